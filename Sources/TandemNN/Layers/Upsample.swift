/// Resizing of [N, C, L] or [N, C, H, W] by an integer factor (PyTorch `nn.Upsample` /
/// `F.interpolate(scale_factor:)`): nearest for diffusers' UNet and VAE up blocks, (bi)linear elsewhere.
public struct Upsample: Sendable {
    public let scaleFactor: Int
    public let mode: Tensor.Interpolation

    public init(scaleFactor: Int, mode: Tensor.Interpolation = .nearest) {
        precondition(scaleFactor > 0)
        self.scaleFactor = scaleFactor
        self.mode = mode
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.interpolated(size: x.shape.dropFirst(2).map { $0 * scaleFactor }, mode: mode)
    }
}
