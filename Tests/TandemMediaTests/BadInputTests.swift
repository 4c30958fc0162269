import Foundation
import Testing
import TandemCore
@testable import TandemMedia

/// Bad media must give typed errors (or decode what can be decoded), never crash or hang.
@Suite struct BadInputTests {
    private func code(_ body: () throws -> Void) -> MediaError.Code? {
        do {
            try body()
            return nil
        } catch let error as MediaError {
            #expect(!error.message.isEmpty && !error.path.isEmpty && !error.operation.isEmpty)
            return error.code
        } catch {
            Issue.record("not a MediaError: \(error)")
            return nil
        }
    }

    private func openAll(_ path: String) throws {
        _ = try MediaFile.open(path)
        let reader = try FrameReader(path: path)
        while try reader.next() != nil {}
    }

    @Test func emptyFile() throws {
        let url = Fixture.temporaryDirectory().appendingPathComponent("empty.mp4")
        _ = FileManager.default.createFile(atPath: url.path, contents: Data())
        #expect(code { try openAll(url.path) } == .notMediaFile)
        #expect(code { _ = try AudioReader(url: url) } == .notMediaFile)
    }

    @Test func randomBytesWithAVideoExtension() throws {
        var generator = SplitMix64(seed: 42)
        let bytes = (0..<20_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let url = Fixture.temporaryDirectory().appendingPathComponent("noise.mp4")
        try Data(bytes).write(to: url)
        let result = code { try openAll(url.path) }
        #expect(result == .notMediaFile || result == .noUsableStream, "got \(String(describing: result))")
    }

    /// An MP4 whose recording stopped before its index (moov) was written: said so, not "not media".
    @Test func mp4WithoutItsIndex() throws {
        let url = Fixture.temporaryDirectory().appendingPathComponent("unfinished.mp4")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        var bytes = Data([0, 0, 0, 24]) + Data("ftypisom".utf8) + Data([0, 0, 2, 0]) + Data("isommp41".utf8)
        bytes += Data([0, 0, 0x10, 8]) + Data("mdat".utf8) + Data(repeating: 0x5A, count: 0x1000)
        try bytes.write(to: url)
        do {
            try openAll(url.path)
            Issue.record("opened a file without a moov atom")
        } catch let error as MediaError {
            #expect(error.code == .truncatedOrCorrupt && error.description.contains("no moov atom") && error.description.contains(url.path), "\(error)")
        }
    }

    @Test func missingFileAndDirectory() throws {
        #expect(code { try openAll("/nonexistent/file.mp4") } == .notFound)
        #expect(code { try openAll(Fixture.temporaryDirectory().path) } == .isDirectory)
        #expect(code { _ = try AudioReader(url: Fixture.temporaryDirectory()) } == .isDirectory)
    }

    @Test func unreadableFile() throws {
        // A socket cannot be opened for reading by anyone, root included (open(2) fails with ENXIO): this
        // holds where the tests run as root, as in CI, where a file's mode bits stop nobody.
        let socket = Fixture.temporaryDirectory().appendingPathComponent("socket.mp4")
        #expect(mknod(socket.path, S_IFSOCK | 0o644, 0) == 0, "mknod: \(String(cString: strerror(errno)))")
        let attempts: [() throws -> Void] = [{ try openAll(socket.path) }, { _ = try AudioReader(url: socket) }]
        for attempt in attempts {
            do {
                try attempt()
                Issue.record("\(socket.path) was opened")
            } catch let error as MediaError {
                #expect(error.code == .permissionDenied)
                #expect(error.path == socket.path && error.description.contains(socket.path), "\(error)")
            }
        }
        // A file whose mode forbids reading, as an ordinary user meets it (root reads it anyway).
        if getuid() != 0 {
            let url = Fixture.temporaryDirectory().appendingPathComponent("locked.mp4")
            try FileManager.default.copyItem(at: Fixture.url("h264_bframes.mp4"), to: url)
            chmod(url.path, 0)
            defer { chmod(url.path, 0o644) }
            #expect(code { try openAll(url.path) } == .permissionDenied)
        }
    }

    @Test func truncatedFileDecodesWhatIsThereThenReportsTruncation() throws {
        let reader = try FrameReader(url: Fixture.url("truncated.mp4"))
        var frames = 0
        var failure: MediaError?
        do {
            while try reader.next() != nil { frames += 1 }
        } catch let error as MediaError {
            failure = error
        }
        #expect(frames > 5 && frames < 60)
        // Either the demuxer reports the cut (an error after the frames) or it flags the partial packet.
        #expect(failure?.code == .truncatedOrCorrupt || reader.corruptPacketCount > 0 || reader.decodeErrorCount > 0,
                "frames \(frames), failure \(String(describing: failure))")
    }

    /// One decoder, and walks side by side on two (where a walk that meets the damage hands over
    /// to the sequential path).
    @Test(arguments: [1, 2])
    func sparseSamplingOfATruncatedFileReturnsTheFramesThatExist(threads: Int) throws {
        let reader = try FrameReader(url: Fixture.url("truncated.mp4"), sampling: .uniform(count: 4), options: VideoDecodeOptions(threads: threads))
        var frames: [VideoFrame] = []
        do {
            while let frame = try reader.next() { frames.append(frame) }
        } catch let error as MediaError {
            #expect(error.code == .truncatedOrCorrupt)
        }
        #expect(frames.count >= 3)
        let full = try decodeAllAvailable("truncated.mp4")
        for frame in frames { #expect(frame.bytes == full[frame.frameIndex].bytes) }
    }

    /// A file cut so short that some of its packets have no pts: the index is inexact and ranks fewer
    /// frames than it counts. Sampling by timestamps once read past the ranked ones and trapped.
    @Test func timestampsOfAFileWhosePacketsLackTimestamps() throws {
        let bytes = try Data(contentsOf: Fixture.url("interlaced_comb.mpg")).prefix(338)
        let url = Fixture.temporaryDirectory().appendingPathComponent("cut.mpg")
        try bytes.write(to: url)
        let reader = try FrameReader(url: url, sampling: .timestamps([0.5, 1.5]))
        do {
            while try reader.next() != nil {}
        } catch let error as MediaError {
            #expect(error.path == url.path)
        }
        // Cut before its first picture: no frame to show at any time.
        let header = try Data(contentsOf: Fixture.url("vp9.webm")).prefix(1814)
        let empty = Fixture.temporaryDirectory().appendingPathComponent("header.webm")
        try header.write(to: empty)
        let headerOnly = try FrameReader(url: empty, sampling: .timestamps([0.5, 1.5]))
        #expect(headerOnly.frameCount == 0 && (try? headerOnly.next()) == nil)
    }

    /// A damaged Matroska header that FFmpeg rejects while reading stream information: a clear error
    /// (its context was once closed twice, crashing).
    @Test func headerRejectedWhileReadingStreamInformation() throws {
        #expect(code { _ = try MediaFile.open(Fixture.path("fuzzed_header.mkv")) } == .truncatedOrCorrupt)
        #expect(code { _ = try FrameReader(url: Fixture.url("fuzzed_header.mkv")) } == .truncatedOrCorrupt)
    }

    /// An encoder that rejects its settings: a clear error (its context was once freed twice, crashing).
    @Test func encoderRejectingItsSettings() throws {
        let url = Fixture.temporaryDirectory().appendingPathComponent("out.mp4")
        #expect(code { _ = try VideoFileWriter(url: url, width: 64, height: 48, frameRate: Rational(25, 1), preset: "no-such-preset") } == .unsupportedCodec)
    }

    /// The frames a full decode yields before the file's damage stops it.
    private func decodeAllAvailable(_ name: String) throws -> [VideoFrame] {
        let reader = try FrameReader(url: Fixture.url(name))
        var frames: [VideoFrame] = []
        while let frame = try? reader.next() { frames.append(frame) }
        return frames
    }

    @Test func corruptPacketIsSkippedAndCounted() throws {
        let reader = try FrameReader(url: Fixture.url("corrupt_packet.mp4"))
        var frames: [VideoFrame] = []
        while let frame = try reader.next() { frames.append(frame) }
        #expect(reader.corruptPacketCount >= 1)
        // The frames that depend on the damaged one are lost (FFmpeg's command line also gives 48);
        // decoding goes on to the last frame.
        #expect(frames.count >= 45)
        #expect(frames.last?.pts == (try decodeAll("h264_bframes.mp4")).last?.pts)
        // Sparse sampling over the damaged file still returns frames.
        let sparse = try FrameReader(url: Fixture.url("corrupt_packet.mp4"), sampling: .uniform(count: 5))
        var sampled = 0
        while try sparse.next() != nil { sampled += 1 }
        #expect(sampled == 5)
    }

    @Test func invalidOptions() throws {
        #expect(code { _ = try FrameReader(url: Fixture.url("vp9.webm"), sampling: .uniform(count: 0)) } == .invalidArgument)
        #expect(code { _ = try FrameReader(url: Fixture.url("vp9.webm"), options: VideoDecodeOptions(resize: .exact(width: 0, height: 4))) } == .invalidArgument)
        #expect(code { _ = try AudioReader(url: Fixture.url("stereo48k.flac"), options: AudioDecodeOptions(chunkFrames: 0)) } == .invalidArgument)
        #expect(code { _ = try AudioReader(url: Fixture.url("stereo48k.flac"), options: AudioDecodeOptions(channelLayout: "no-such-layout")) } == .invalidArgument)
    }
}
