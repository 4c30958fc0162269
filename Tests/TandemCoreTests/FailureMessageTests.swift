import Foundation
import Testing
@testable import TandemCore

/// What the manifest says about a failure: the file concerned by its final name and the reason in words.
@Suite struct FailureMessageTests {
    @Test func fileErrorNamesThePathAndTheReason() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-failure-\(UUID().uuidString)")
        let hidden = folder.appendingPathComponent("frames/.frame_000001.tandem-tmp-k3j9.png")
        do {
            try Data([1]).write(to: hidden)  // its folder does not exist
            Issue.record("the write should fail")
        } catch {
            let message = BatchRunner.message(error)
            #expect(message.hasPrefix(folder.path + "/frames/frame_000001.png: ") && !message.contains("UserInfo"), "\(message)")
            #expect(BatchRunner.errorClass(error) == "FileError.io")
        }
    }

    @Test func fullDiskIsNamed() {
        let error = CocoaError(.fileWriteOutOfSpace, userInfo: [
            NSFilePathErrorKey: "/out/audio/..a.tandem-tmp-2iem.tandem-tmp-1iub.flac",
            NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC)),
        ])
        #expect(BatchRunner.message(error) == "/out/audio/a.flac: No space left on device")
        #expect(BatchRunner.errorClass(error) == "FileError.noSpace")
        #expect(BatchRunner.errorClass(NodeError(code: .outputFailed, message: "x", underlying: error)) == "FileError.noSpace")
    }

    @Test func temporaryNamesInOtherMessagesBecomeFinalNames() {
        #expect(BatchRunner.withFinalNames("x.flac: write failed (io): /o/.clip.tandem-tmp-abc.wav and ..b.tandem-tmp-1.tandem-tmp-2.flac")
                == "x.flac: write failed (io): /o/clip.wav and b.flac")
        #expect(BatchRunner.withFinalNames("no temporaries here") == "no temporaries here")
    }
}
