import CFFmpeg
import Foundation
import Testing
import TandemCore
@testable import TandemMedia

/// Damaged audio packets in the middle of a file: skipped, and their time filled with silence so the
/// audio after them keeps its place on the file's clock (in sync with the picture).
@Suite struct DamagedAudioTests {
    /// A copy of `h264_bframes.mp4` (AAC, 44.1 kHz) whose audio packets `range` are overwritten with 0xFF.
    private func damagedCopy(packets range: Range<Int>, in directory: URL) throws -> URL {
        let source = Fixture.url("h264_bframes.mp4")
        let input = try FFInputContext(path: source.path)
        let audio = try input.selectStream(AVMEDIA_TYPE_AUDIO, requested: nil, path: source.path, operation: "test")
        var places: [(position: Int, size: Int)] = []
        let packet = FFPacket()
        while try input.read(into: packet) == .packet {
            if packet.streamIndex == audio { places.append((Int(packet.position), packet.size)) }
            packet.unref()
        }
        var bytes = try Data(contentsOf: source)
        for (position, size) in places[range] { bytes.replaceSubrange(position..<(position + size), with: Data(repeating: 0xFF, count: size)) }
        let url = directory.appendingPathComponent("damaged.mp4")
        try bytes.write(to: url)
        return url
    }

    @Test func damagedPacketsAreSkippedAndTheirTimeKept() throws {
        let directory = Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let options = AudioDecodeOptions(sampleRate: 16_000, channels: 1)
        let clean = try AudioReader(url: Fixture.url("h264_bframes.mp4"), options: options).readAll()
        let reader = try AudioReader(url: damagedCopy(packets: 20..<32, in: directory), options: options)
        let damaged = try reader.readAll()
        #expect(reader.corruptPacketCount + reader.decodeErrorCount > 0)
        // 12 AAC frames of 1024 samples at 44.1 kHz: 0.28 s of silence in their place (give or take
        // the frame decoded from the last damaged packet's neighbours).
        #expect(reader.gapSeconds > 0.2 && reader.gapSeconds < 0.35, "\(reader.gapSeconds) s filled")
        #expect(abs(damaged.frameCount - clean.frameCount) < 800, "\(damaged.frameCount) samples against \(clean.frameCount)")
        // The last half second is where it was, so it matches the undamaged decode.
        let tail = 8000
        let a = clean.channels[0].array.suffix(tail), b = damaged.channels[0].array.prefix(clean.frameCount).suffix(tail)
        let difference = zip(a, b).map { abs($0 - $1) }.reduce(0, +) / Float(tail)
        let level = a.map { abs($0) }.reduce(0, +) / Float(tail)
        #expect(difference < 0.25 * level, "mean difference \(difference) against a mean level \(level)")
    }
}
