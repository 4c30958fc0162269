import CFFmpeg
import CSndfile
import Foundation
import TandemCore

/// Writes audio files: WAV and FLAC through libsndfile, m4a (AAC) and Opus through FFmpeg.
///
/// The file is written under a temporary name beside the final one and renamed into place by
/// `finish()` (`AtomicOutput`), so an interrupted job never leaves a half-written file under the
/// final name. A writer dropped without `finish()` removes its temporary file.
///
/// Not `Sendable`: one owner writes, from one thread at a time.
public final class AudioFileWriter {
    public enum Container: String, Sendable, CaseIterable {
        case wav, flac, m4a, opus

        /// The container for a file name's extension (`wav`, `flac`, `m4a`/`aac`/`mp4`, `opus`/`ogg`).
        public init?(fileExtension: String) {
            switch fileExtension.lowercased() {
            case "wav", "wave": self = .wav
            case "flac": self = .flac
            case "m4a", "aac", "mp4": self = .m4a
            case "opus", "ogg": self = .opus
            default: return nil
            }
        }
    }

    /// Sample encoding of the lossless containers (lossy codecs choose their own).
    public enum SampleFormat: Sendable {
        /// WAV: 32-bit float (exact); FLAC: 24-bit.
        case automatic
        case pcm16, pcm24, float32
    }

    public let url: URL
    public let sampleRate: Int
    public let channelCount: Int
    public let container: Container
    private let output: AtomicOutput
    private var sndfile: SndfileHandle?
    private var muxer: FFOutputContext?
    private var encoder: LibavAudioEncoder?
    private var interleaved: [Float] = []
    /// True when samples are stored as integers, which cannot hold values past ±1.
    private var clipsToFullScale = false
    /// Frames interleaved and handed to libsndfile at a time (1 MB of stereo).
    static let interleaveFrames = 131_072
    private var finished = false

    /// Creates the temporary file and prepares the encoder.
    /// - Parameters:
    ///   - container: `nil` picks it from `url`'s extension.
    ///   - bitRate: for AAC and Opus, bits per second (default 128k AAC, 64k Opus).
    /// - Throws: `MediaError` (invalid argument for an unknown extension or unsupported settings, io).
    public init(url: URL, sampleRate: Int, channels: Int, container: Container? = nil,
                sampleFormat: SampleFormat = .automatic, bitRate: Int? = nil) throws {
        guard let kind = container ?? Container(fileExtension: url.pathExtension) else {
            throw MediaError(.invalidArgument, path: url.path, operation: "create audio file",
                             message: "unknown audio extension .\(url.pathExtension) (wav, flac, m4a, opus)")
        }
        guard sampleRate > 0, channels > 0 else {
            throw MediaError(.invalidArgument, path: url.path, operation: "create audio file", message: "sample rate and channels must be positive")
        }
        self.url = url
        self.sampleRate = sampleRate
        self.channelCount = channels
        self.container = kind
        do {
            output = try AtomicOutput(finalURL: url)
        } catch {
            throw MediaError(.io, path: url.path, operation: "create audio file", message: "\(error)")
        }
        let temporary = output.temporaryURL.path
        switch kind {
        case .wav, .flac:
            let subtype: Int32 = switch (kind, sampleFormat) {
            case (.wav, .automatic), (_, .float32): Int32(SF_FORMAT_FLOAT)
            case (_, .pcm16): Int32(SF_FORMAT_PCM_16)
            default: Int32(SF_FORMAT_PCM_24)
            }
            // Samples past ±1 (a loud downmix, a resampler's overshoot next to a clipped peak) are clipped before
            // libsndfile stores them as integers: it would wrap them to the opposite sign in WAV, and libFLAC
            // refuses them, failing the whole file. (libsndfile's own SFC_SET_CLIPPING also changes how every
            // in-range sample is rounded.)
            clipsToFullScale = subtype != Int32(SF_FORMAT_FLOAT)
            let major = kind == .wav ? Int32(SF_FORMAT_WAV) : Int32(SF_FORMAT_FLAC)
            sndfile = try SndfileHandle(writing: temporary, sampleRate: sampleRate, channels: channels, format: major | subtype)
        case .m4a, .opus:
            let muxer = try FFOutputContext(path: temporary, formatName: kind == .m4a ? "ipod" : "ogg")
            encoder = try LibavAudioEncoder(muxer: muxer, codec: kind == .m4a ? "aac" : "libopus", sampleRate: sampleRate,
                                            channels: channels, bitRate: bitRate ?? (kind == .m4a ? 128_000 : 64_000))
            try muxer.writeHeader()
            self.muxer = muxer
        }
    }

    /// Convenience: creates the file at `path`.
    public convenience init(path: String, sampleRate: Int, channels: Int) throws {
        try self.init(url: URL(fileURLWithPath: path), sampleRate: sampleRate, channels: channels)
    }

    /// Appends `buffer`, which must have the writer's sample rate and channel count.
    public func write(_ buffer: AudioBuffer) throws {
        guard !finished else {
            throw MediaError(.invalidArgument, path: url.path, operation: "write audio", message: "the writer is finished")
        }
        guard buffer.sampleRate == sampleRate, buffer.channelCount == channelCount else {
            throw MediaError(.invalidArgument, path: url.path, operation: "write audio",
                             message: "buffer is \(buffer.channelCount) ch at \(buffer.sampleRate) Hz, the file \(channelCount) ch at \(sampleRate) Hz")
        }
        let frames = buffer.frameCount
        guard frames > 0 else { return }
        if let sndfile {
            // Interleaved a block at a time: a whole-length source (an hour of separated stereo at
            // 44.1 kHz is 1.3 GB) would otherwise be held a second time while it is written.
            let block = min(frames, Self.interleaveFrames)
            if interleaved.count < block * channelCount { interleaved = [Float](repeating: 0, count: block * channelCount) }
            var start = 0
            while start < frames {
                let count = min(block, frames - start)
                // Through buffers: the writer's stored array, written element by element, costs a uniqueness and an
                // exclusivity check per sample.
                let channelCount = channelCount, clips = clipsToFullScale
                interleaved.withUnsafeMutableBufferPointer { interleaved in
                    for c in 0..<channelCount {
                        buffer.channels[c].withUnsafeBufferPointer { samples in
                            if clips {
                                for i in 0..<count { interleaved[i * channelCount + c] = min(1, max(-1, samples[start + i])) }
                            } else {
                                for i in 0..<count { interleaved[i * channelCount + c] = samples[start + i] }
                            }
                        }
                    }
                }
                try interleaved.withUnsafeBufferPointer { try sndfile.write(interleaved: $0.baseAddress!, frames: count) }
                start += count
            }
        } else if let encoder {
            try encoder.write(buffer)
        }
    }

    /// Flushes the encoder, closes the file and renames it to its final name.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        try sndfile?.close()
        try encoder?.finish()
        try muxer?.finish()
        sndfile = nil
        encoder = nil
        do { try output.commit() } catch {
            throw MediaError(.io, path: url.path, operation: "finish audio file", message: "\(error)")
        }
    }

    /// Writes all of `buffer` to `url` in one call.
    public static func write(_ buffer: AudioBuffer, to url: URL, sampleFormat: SampleFormat = .automatic) throws {
        let writer = try AudioFileWriter(url: url, sampleRate: buffer.sampleRate, channels: buffer.channelCount, sampleFormat: sampleFormat)
        try writer.write(buffer)
        try writer.finish()
    }
}
