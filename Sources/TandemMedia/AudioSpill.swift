import Foundation
import TandemCore

/// A recording kept on disk while it streams in, read back a stretch at a time: interleaved Float32
/// in a `FloatSpill` (one row per sample instant), removed by `remove()` or when the spill is dropped.
///
/// For nodes that must see the end of a stream before they can use its beginning (`separate`
/// finds the players over the whole video before it attributes any sound): an hour of 44.1 kHz
/// stereo is 1.27 GB in memory; on disk it costs only the pages the reader touches. The samples
/// come back bit for bit.
public final class AudioSpill {
    public let sampleRate: Int
    public let channelCount: Int
    /// The layout name of the first buffer appended, for the buffers read back.
    public let channelLayout: String
    /// Stream position of the first sample appended.
    public let firstSample: Int64
    /// Samples per channel appended so far.
    public var frameCount: Int { rows.rowCount }
    /// The private directory the spill file was made in (unlinked with it as soon as it is open; named in errors).
    public var directory: URL { rows.directory }
    private let rows: FloatSpill
    private var block: [Float] = []

    /// Creates the spill for audio of `format`'s rate, channel count, layout and position (`format` is not written).
    /// - Parameter parent: where the private directory is made (default: the system's temporary directory).
    /// - Throws: `MediaError(.io)` when the directory or file cannot be created.
    public init(format: AudioBuffer, in parent: URL = FileManager.default.temporaryDirectory) throws {
        sampleRate = format.sampleRate
        channelCount = format.channelCount
        channelLayout = format.channelLayout
        firstSample = format.firstSample
        rows = try FloatSpill(width: format.channelCount, in: parent)
    }

    /// Appends `buffer`, which must continue the spill's format.
    /// - Throws: `MediaError(.invalidArgument)` for another rate or channel count, `.io` when the disk refuses.
    public func append(_ buffer: AudioBuffer) throws {
        guard buffer.sampleRate == sampleRate, buffer.channelCount == channelCount else {
            throw MediaError(.invalidArgument, path: directory.path, operation: "spill audio",
                             message: "audio changed format mid-stream (\(sampleRate) Hz × \(channelCount) → \(buffer.sampleRate) Hz × \(buffer.channelCount))")
        }
        let frames = buffer.frameCount
        guard frames > 0 else { return }
        if block.count != frames * channelCount { block = [Float](repeating: 0, count: frames * channelCount) }
        for c in 0..<channelCount {
            let samples = buffer.channels[c].array
            for i in 0..<frames { block[i * channelCount + c] = samples[i] }
        }
        try rows.append(block)
    }

    /// Samples `range` (per channel, counted from the first appended) as one array per channel.
    /// - Throws: `MediaError(.invalidArgument)` for a range outside what was appended, `.io` for a failed read.
    public func read(_ range: Range<Int>) throws -> [[Float]] {
        let interleaved = try rows.read(range)
        var out = (0..<channelCount).map { _ in [Float](repeating: 0, count: range.count) }
        for i in 0..<range.count { for c in 0..<channelCount { out[c][i] = interleaved[i * channelCount + c] } }
        return out
    }

    /// `range` as an audio buffer positioned on the stream's timeline.
    public func buffer(_ range: Range<Int>) throws -> AudioBuffer {
        AudioBuffer(sampleRate: sampleRate, channelLayout: channelLayout, firstSample: firstSample + Int64(range.lowerBound),
                    channels: try read(range).map { SharedArray($0) })
    }

    /// Closes and deletes the spill file and its directory (idempotent).
    public func remove() { rows.remove() }
}
