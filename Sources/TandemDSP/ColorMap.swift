/// A colour map for spectrogram pictures: values in 0…1 → RGB.
///
/// The perceptually uniform maps are matplotlib's (magma, viridis), kept here as nine evenly
/// spaced control colours and interpolated linearly — indistinguishable from the 256-entry
/// tables at spectrogram scale, and small enough to read.
public enum ColorMap: String, Sendable, Hashable, CaseIterable {
    case magma
    case viridis
    case gray

    private var stops: [(UInt8, UInt8, UInt8)] {
        switch self {
        case .magma:
            return [(0, 0, 4), (28, 16, 68), (79, 18, 123), (129, 37, 129), (181, 54, 122),
                    (229, 80, 100), (251, 135, 97), (254, 194, 135), (252, 253, 191)]
        case .viridis:
            return [(68, 1, 84), (71, 45, 123), (59, 82, 139), (44, 114, 142), (33, 145, 140),
                    (40, 174, 128), (94, 201, 98), (173, 220, 48), (253, 231, 37)]
        case .gray:
            return [(0, 0, 0), (255, 255, 255)]
        }
    }

    /// The colour for `value`, clamped to 0…1 (NaN maps to 0).
    public func color(_ value: Float) -> (red: UInt8, green: UInt8, blue: UInt8) {
        let stops = self.stops
        let v = value.isNaN ? 0 : min(max(value, 0), 1)
        let position = v * Float(stops.count - 1)
        let index = min(Int(position), stops.count - 2)
        let f = position - Float(index)
        let a = stops[index], b = stops[index + 1]
        func mix(_ x: UInt8, _ y: UInt8) -> UInt8 { UInt8((Float(x) + (Float(y) - Float(x)) * f).rounded()) }
        return (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// 256 precomputed colours, for rendering many pixels.
    func table() -> [(red: UInt8, green: UInt8, blue: UInt8)] {
        (0..<256).map { color(Float($0) / 255) }
    }
}
