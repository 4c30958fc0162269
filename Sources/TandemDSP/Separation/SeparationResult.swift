/// What a separator produced: one signal per source, with how it was attributed.
public struct SeparationResult: Sendable {
    /// How components were attributed to sources.
    public enum Mode: String, Sendable, Hashable, Codable {
        /// Each component went to the image region whose motion its activation follows best.
        case motion
        /// No motion was given (no video stream): components were grouped by spectral shape, so the
        /// sources are unordered and carry no region.
        case audioOnly
    }

    public struct Source: Sendable {
        /// The region's label (motion mode) or `source<i>` (audio-only).
        public var label: String
        /// One signal per input channel, as long as the input.
        public var channels: [[Float]]
        /// 0…1: how well the attribution is supported (mean onset–motion correlation of the source's
        /// components, energy-weighted; in audio-only mode the spectral cluster's cohesion).
        public var confidence: Float
        /// The NMF components attributed to this source.
        public var components: [Int]
        /// The soft mask applied to the mixture, frame-major (`frames × bins`).
        public var mask: [Float]
        /// The region moved but its motion explained none of the sound: `channels` are silence.
        public var silent: Bool

        public init(label: String, channels: [[Float]], confidence: Float, components: [Int], mask: [Float], silent: Bool = false) {
            self.label = label
            self.channels = channels
            self.confidence = confidence
            self.components = components
            self.mask = mask
            self.silent = silent
        }
    }

    public var mode: Mode
    /// A sentence for the user, e.g. why the audio-only fallback was used.
    public var note: String
    public var sources: [Source]
    public var sampleRate: Int
    /// The analysis STFT the masks live on.
    public var fftSize: Int
    public var hop: Int
    public var frames: Int
    public var bins: Int
}
