/// The kinds of packet a port can carry; validation matches output and input ports by kind.
public enum PacketKind: String, Sendable, Hashable, CaseIterable, Codable {
    case audio, video, spectrogram, tensor, segments, transcript, image, any
}

/// One unit of data flowing along an edge of a graph.
///
/// Payloads are shared, immutable buffers, so a packet is cheap to copy and to fan out.
public enum Packet: Sendable, Equatable {
    case audio(AudioBuffer)
    case video(VideoFrame)
    case spectrogram(Spectrogram)
    case tensor(TensorValue)
    case segments([Segment])
    case transcript([TranscriptSegment])
    /// An 8-bit picture (plots, masks) — a `VideoFrame` with no stream position of its own.
    case image(VideoFrame)

    public var kind: PacketKind {
        switch self {
        case .audio: .audio
        case .video: .video
        case .spectrogram: .spectrogram
        case .tensor: .tensor
        case .segments: .segments
        case .transcript: .transcript
        case .image: .image
        }
    }

    /// Approximate payload size in bytes, for byte-bounded queues.
    public var byteCount: Int {
        switch self {
        case .audio(let a): a.channels.reduce(0) { $0 + $1.count * 4 }
        case .video(let f), .image(let f): f.bytes.count + f.floats.count * 4
        case .spectrogram(let s): s.data.count * 4
        case .tensor(let t): t.data.count * 4
        case .segments(let s): s.count * 48
        case .transcript(let t): t.reduce(0) { $0 + 64 + $1.text.utf8.count + $1.tokens.count * 8 }
        }
    }

    /// The instant this packet starts at on the file's clock, when it has one: what the `Inbox` aligns
    /// inputs on. Exact for every kind: a sample index or a pts with its time base, as the producer gave it.
    public var time: MediaTime? {
        switch self {
        case .audio(let a): a.time
        case .video(let f): f.time
        case .spectrogram(let s): s.time
        case .tensor(let t): t.startTime
        case .segments(let s): s.first?.startTime
        case .transcript(let t): t.first?.startTime
        case .image: nil
        }
    }

    /// The media time this packet starts at, in seconds, when it has one (for error reports and progress).
    public var startSeconds: Double? {
        switch self {
        case .audio(let a): a.startSeconds
        case .video(let f): f.seconds
        case .spectrogram(let s): Double(s.firstFrame * Int64(s.hop)) / Double(s.sampleRate)
        case .tensor(let t): t.startSeconds
        case .segments(let s): s.first?.start
        case .transcript(let t): t.first?.start
        case .image: nil
        }
    }
}
