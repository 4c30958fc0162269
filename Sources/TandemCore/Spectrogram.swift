/// A short-time spectrum: `binCount` frequency bins × `frameCount` frames, frame-major
/// (frame `t`'s bins are contiguous), as the STFT produces them.
public struct Spectrogram: Sendable, Equatable {
    public enum Values: String, Sendable { case complex, magnitude, power, logMel, mel }

    public var values: Values
    public var binCount: Int
    public var frameCount: Int
    public var hop: Int
    public var fftSize: Int
    public var sampleRate: Int
    /// Index of the first frame on the stream's frame timeline (frame `i` is centred, or starts, at `i * hop`).
    public var firstFrame: Int64
    /// The exact instant of the first frame: sample `firstFrame × hop` at `sampleRate`.
    public var time: MediaTime { MediaTime(sample: firstFrame * Int64(hop), rate: sampleRate) }
    /// Interleaved (re, im) pairs for `.complex`, else one Float per bin. Layout: [frame][bin](re, im).
    public var data: SharedArray<Float>

    public init(values: Values, binCount: Int, frameCount: Int, hop: Int, fftSize: Int, sampleRate: Int,
                firstFrame: Int64, data: SharedArray<Float>) {
        precondition(data.count == binCount * frameCount * (values == .complex ? 2 : 1), "spectrogram data size")
        self.values = values
        self.binCount = binCount
        self.frameCount = frameCount
        self.hop = hop
        self.fftSize = fftSize
        self.sampleRate = sampleRate
        self.firstFrame = firstFrame
        self.data = data
    }
}
