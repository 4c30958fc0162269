/// The published MUSIC configuration of Sound of Pixels (hangzhaomit/Sound-of-Pixels,
/// `scripts/train_MUSIC.sh` and `arguments.py`): the signal-processing and frame-sampling side.
///
/// The network sizes (U-Net width and depth, ResNet width, K) are not here: they are read from the
/// checkpoint's tensor shapes, so reduced test networks load through the same code.
public struct SoundOfPixelsConfiguration: Sendable, Hashable, Codable {
    /// `--audRate`: the network's sample rate; callers resample to it.
    public var sampleRate: Int = 11025
    /// `--audLen`: samples per window (≈ 5.94 s), giving 256 STFT frames.
    public var windowSamples: Int = 65535
    /// `--stft_frame`: n_fft, giving 512 bins.
    public var fftSize: Int = 1022
    /// `--stft_hop`.
    public var hop: Int = 256
    /// Log-frequency rows the magnitude is warped to (`warpgrid(B, 256, T, warp=True)`).
    public var logFrequencyRows: Int = 256
    /// `--num_frames`, `--stride_frames`, `--frameRate`: 3 frames 24 frames (3 s at 8 fps) apart, centred on the window.
    public var frameCount: Int = 3
    public var frameStride: Int = 24
    public var frameRate: Double = 8
    /// `--imgSize`: frames are resized (shorter side) and centre-cropped to this.
    public var imageSize: Int = 224
    /// ImageNet normalisation (`dataset/base.py`).
    public var mean: [Float] = [0.485, 0.456, 0.406]
    public var std: [Float] = [0.229, 0.224, 0.225]
    /// `--binary_mask 1` with `--mask_thres 0.5`; false keeps the sigmoid values as ratio masks.
    public var binaryMask: Bool = true
    public var maskThreshold: Float = 0.5

    public init() {}

    /// Seconds between the sampled frames.
    public var frameSpacingSeconds: Double { Double(frameStride) / frameRate }
    /// Window length in seconds.
    public var windowSeconds: Double { Double(windowSamples) / Double(sampleRate) }
    /// The times (relative to the window's centre) of the frames the frame net sees.
    public var frameOffsets: [Double] {
        (0..<frameCount).map { Double($0 - frameCount / 2) * frameSpacingSeconds }
    }
}
