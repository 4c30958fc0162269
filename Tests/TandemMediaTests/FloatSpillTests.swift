import Foundation
import Testing
@testable import TandemMedia

/// A spill's file has no name on disk once it is open, so a run that is killed (a SIGKILL, a scheduler's time limit)
/// leaves nothing in the temporary directory, while its rows still come back bit for bit.
@Suite struct FloatSpillTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-float-spill-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func theFileHasNoNameOnceOpenAndItsRowsComeBack() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let spill = try FloatSpill(width: 3, in: folder)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        let rows: [Float] = (0..<30).map { Float($0) * 0.37 - 4 }
        try spill.append(Array(rows[..<12]))
        try spill.append(Array(rows[12...]))
        #expect(spill.rowCount == 10)
        #expect(try spill.read(2..<7) == Array(rows[6..<21]))
        #expect(try spill.read(0..<10) == rows)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        spill.remove()
        #expect(throws: MediaError.self) { try spill.read(0..<1) }
    }

    /// Writes go straight to the file (no buffer in between), so a read right after an append sees it without a sync.
    @Test func rowsAppendedBetweenReadsComeBackAtOnce() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let spill = try FloatSpill(width: 2, in: folder)
        for block in 0..<50 {
            let rows = (0..<(2 * (block + 1))).map { Float(block * 1000 + $0) }
            try spill.append(rows)
            let last = spill.rowCount
            #expect(try spill.read((last - block - 1)..<last) == rows)
        }
    }

    @Test func aFolderThatCannotBeMadeIsAnErrorNamingTheFile() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // A plain file where the spill's parent folder should be.
        let blocker = folder.appendingPathComponent("not-a-folder")
        #expect(FileManager.default.createFile(atPath: blocker.path, contents: Data([1])))
        let error = try #require(throws: MediaError.self) { try FloatSpill(width: 2, in: blocker) }
        #expect("\(error)".contains("not-a-folder"))
    }
}
