import CTestScratch
import Foundation
import Testing

/// The tests' temporary files go to one folder per test process, removed when it exits.
@Suite struct TestScratchTests {
    @Test func temporaryDirectoryIsTheProcessScratchFolder() throws {
        let scratch = String(cString: tandem_test_scratch_path())
        #expect(scratch.contains("tandem-tests-"))
        #expect(FileManager.default.temporaryDirectory.standardizedFileURL.path == URL(fileURLWithPath: scratch).standardizedFileURL.path)
        var isFolder: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: scratch, isDirectory: &isFolder) && isFolder.boolValue)
    }
}
