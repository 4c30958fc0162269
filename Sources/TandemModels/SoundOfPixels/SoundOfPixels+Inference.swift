import Foundation
import TandemDSP
import TandemNN

extension SoundOfPixels {
    /// A window of the mixture in the forms the network and the resynthesis need.
    public struct Mixture: Sendable {
        /// Samples in the window.
        public var length: Int
        /// STFT frames (T).
        public var frameCount: Int
        /// The complex STFT, frame-major `T × 512` interleaved (re, im).
        public var spectrum: [Float]
        /// The network input [1, 1, 256, T]: log of the warped (magnitude + 1e-10).
        public var logWarped: Tensor
    }

    /// The separation of one window.
    public struct Separation: Sendable {
        /// Per source, the sigmoid mask on the 256 log-frequency rows, row-major `256 × T` (before un-warping).
        public var warpedMasks: [[Float]]
        /// Per source, the un-warped mask before thresholding, frame-major `T × 512`.
        public var masks: [[Float]]
        /// Per source, the separated samples (as many as the window), clipped to [−1, 1] as the repository does.
        public var sources: [[Float]]
    }

    /// STFT, magnitude, log-frequency warp and log of one window, as `main.py` prepares `mag_mix`.
    /// - Throws: `SoundOfPixelsError(.invalidInput)` when the frame count is not a multiple of `frameMultiple`.
    public func analyze(_ window: [Float]) throws -> Mixture {
        let frames = stft.frameCount(forLength: window.count)
        guard frames > 0, frames % frameMultiple == 0 else {
            throw SoundOfPixelsError(.invalidInput, "\(window.count) samples give \(frames) STFT frames; the \(depth)-level U-Net needs a multiple of \(frameMultiple) (\(configuration.windowSamples) samples in the published setup)")
        }
        let spectrum = stft(window)
        let bins = configuration.fftSize / 2 + 1
        var magnitude = [Float](repeating: 0, count: frames * bins)
        for i in 0..<(frames * bins) {
            let re = spectrum[2 * i], im = spectrum[2 * i + 1]
            magnitude[i] = (re * re + im * im).squareRoot() + 1e-10
        }
        let warped = try warp(magnitude)   // T × 256
        let rows = configuration.logFrequencyRows
        let input = Tensor(shape: [1, 1, rows, frames]) { out in
            for t in 0..<frames { for f in 0..<rows { out[f * frames + t] = Foundation.log(warped[t * rows + f]) } }
        }
        return Mixture(length: window.count, frameCount: frames, spectrum: spectrum, logWarped: input)
    }

    /// The sound net's K feature maps [1, K, 256, T] (the repository applies no activation to them).
    public func soundFeatures(_ mixture: Mixture) -> Tensor { audioNet(mixture.logWarped) }

    /// The frame net's features before pooling: [T, K, H/16, W/16] for frames [T, 3, H, W].
    public func frameFeatures(_ frames: Tensor) -> Tensor { frameNet.features(frames) }

    /// One source's K weights: `forward_multiframe` with max pooling over time and space, then sigmoid.
    public func imageVector(_ frames: Tensor) -> [Float] {
        imageVector(fromFeatures: frameFeatures(frames))
    }

    /// Max over frames and pixels of [T, K, h, w] features, then sigmoid.
    public func imageVector(fromFeatures features: Tensor, rows: Range<Int>? = nil, columns: Range<Int>? = nil) -> [Float] {
        let k = features.shape[1]
        let region = features.slice(axis: 2, rows ?? 0..<features.shape[2]).slice(axis: 3, columns ?? 0..<features.shape[3])
        return region.maximum(axis: 0).reshaped([k, -1]).maximum(axis: 1).applying(.sigmoid).scalars
    }

    /// The pixel-wise variant: the K weights of every feature pixel (max over frames only, then sigmoid),
    /// [K, h, w]. `synthesizer`'s `forward_pixelwise` turns each into a mask; use
    /// `imageVector(fromFeatures:rows:columns:)` for a region, or `masks(sound:imageVectors:)` per pixel.
    public func pixelVectors(_ features: Tensor) -> Tensor {
        features.maximum(axis: 0).applying(.sigmoid)
    }

    /// Sigmoid masks on the log-frequency rows (row-major `256 × T`), one per image vector.
    public func masks(sound: Tensor, imageVectors: [[Float]]) -> [[Float]] {
        imageVectors.map { vector in synthesizer.logits(image: vector, sound: sound).map { 1 / (1 + Foundation.exp(-$0)) } }
    }

    /// Un-warps masks, applies them (binary or ratio per the configuration) to the mixture, and inverts.
    public func resynthesize(_ mixture: Mixture, warpedMasks: [[Float]]) throws -> Separation {
        let rows = configuration.logFrequencyRows, frames = mixture.frameCount
        let unwarp = warp.inverse
        let gain = SpectralMask(configuration.binaryMask ? .binary(threshold: configuration.maskThreshold) : .ratio())
        var linear: [[Float]] = []
        var sources: [[Float]] = []
        for mask in warpedMasks {
            var frameMajor = [Float](repeating: 0, count: rows * frames)
            for f in 0..<rows { for t in 0..<frames { frameMajor[t * rows + f] = mask[f * frames + t] } }
            let unwarped = try unwarp(frameMajor)
            linear.append(unwarped)
            let audio = try inverseSTFT(gain.apply(unwarped, to: mixture.spectrum), length: mixture.length)
            sources.append(audio.map { min(1, max(-1, $0)) })
        }
        return Separation(warpedMasks: warpedMasks, masks: linear, sources: sources)
    }

    /// Separates one window given each source's frames ([T, 3, H, W], normalised; see `frameTensor`).
    /// - Throws: `SoundOfPixelsError(.invalidInput)` for a window of the wrong length.
    public func separate(window: [Float], frames: [Tensor]) throws -> Separation {
        try separate(window: window, imageVectors: frames.map(imageVector))
    }

    /// Separates one window given each source's K weights (from `imageVector`, possibly of a region).
    public func separate(window: [Float], imageVectors: [[Float]]) throws -> Separation {
        let mixture = try analyze(window)
        let sound = soundFeatures(mixture)
        return try resynthesize(mixture, warpedMasks: masks(sound: sound, imageVectors: imageVectors))
    }
}
