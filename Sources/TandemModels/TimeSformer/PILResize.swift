/// Pillow's `Image.resize` for 8-bit RGB with the BILINEAR or BICUBIC filter, reimplemented so
/// preprocessing matches transformers' PIL image processors to the last integer.
///
/// Pillow resamples separably — a horizontal pass into an 8-bit intermediate image, then a
/// vertical pass — with a filter whose support widens by the scale factor when shrinking
/// (antialiasing), weights normalised per output pixel, then turned into 22-bit fixed point,
/// and sums rounded and clamped to 0…255 after each pass. Each of those steps changes results
/// by a unit here and there, so each is reproduced.
enum PILResize {
    /// The resampling filters of Pillow that are implemented (Pillow's numbering).
    enum Filter: Int, Sendable {
        case bilinear = 2
        case bicubic = 3

        var support: Double { self == .bilinear ? 1 : 2 }

        func weight(_ value: Double) -> Double {
            let x = abs(value)
            switch self {
            case .bilinear:
                return x < 1 ? 1 - x : 0
            case .bicubic:
                let a = -0.5
                if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
                if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
                return 0
            }
        }
    }

    static let precisionBits = 32 - 8 - 2

    /// Per output index: the first source index and the fixed-point weights.
    struct Taps {
        var start: [Int]
        var weights: [[Int32]]
    }

    static func taps(input: Int, output: Int, filter: Filter) -> Taps {
        let scale = Double(input) / Double(output)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        var starts: [Int] = []
        var weights: [[Int32]] = []
        for out in 0..<output {
            let center = (Double(out) + 0.5) * scale
            let inverse = 1 / filterScale
            let low = max(Int(center - support + 0.5), 0)
            let high = min(Int(center + support + 0.5), input)
            var k = (low..<high).map { filter.weight((Double($0) - center + 0.5) * inverse) }
            let total = k.reduce(0, +)
            if total != 0 { k = k.map { $0 / total } }
            let one = Double(1 << precisionBits)
            starts.append(low)
            weights.append(k.map { Int32($0 < 0 ? -0.5 + $0 * one : 0.5 + $0 * one) })
        }
        return Taps(start: starts, weights: weights)
    }

    @inline(__always)
    static func clip8(_ value: Int64) -> UInt8 {
        if value <= 0 { return 0 }
        if value >= Int64(255) << precisionBits { return 255 }
        return UInt8(value >> precisionBits)
    }

    /// Resizes packed RGB (3 bytes per pixel, `stride` bytes per row, the first pixel at `origin`: a crop
    /// of a frame's bytes, read in place) to width × height.
    static func resize(
        _ pixels: [UInt8], origin: Int = 0, width: Int, height: Int, stride: Int,
        toWidth outWidth: Int, height outHeight: Int, filter: Filter
    ) -> [UInt8] {
        precondition(width == 0 || height == 0 || origin >= 0 && origin + (height - 1) * stride + width * 3 <= pixels.count,
                     "a \(width)×\(height) crop at \(origin), \(stride) bytes a row, outside \(pixels.count) bytes")
        let half = Int64(1) << (precisionBits - 1)
        // Horizontal pass (skipped, as in Pillow, when the width does not change).
        var horizontal: [UInt8]
        let rowBytes: Int
        if outWidth != width {
            let taps = taps(input: width, output: outWidth, filter: filter)
            horizontal = [UInt8](repeating: 0, count: height * outWidth * 3)
            for y in 0..<height {
                for x in 0..<outWidth {
                    let start = taps.start[x], k = taps.weights[x]
                    for c in 0..<3 {
                        var sum = half
                        let first = origin + y * stride + start * 3 + c
                        for i in 0..<k.count { sum += Int64(pixels[first + i * 3]) * Int64(k[i]) }
                        horizontal[(y * outWidth + x) * 3 + c] = clip8(sum)
                    }
                }
            }
            rowBytes = outWidth * 3
        } else {
            horizontal = [UInt8](repeating: 0, count: height * width * 3)
            for y in 0..<height { for i in 0..<(width * 3) { horizontal[y * width * 3 + i] = pixels[origin + y * stride + i] } }
            rowBytes = width * 3
        }
        guard outHeight != height else { return horizontal }
        let taps = taps(input: height, output: outHeight, filter: filter)
        var result = [UInt8](repeating: 0, count: outHeight * rowBytes)
        for y in 0..<outHeight {
            let start = taps.start[y], k = taps.weights[y]
            for i in 0..<rowBytes {
                var sum = half
                for j in 0..<k.count { sum += Int64(horizontal[(start + j) * rowBytes + i]) * Int64(k[j]) }
                result[y * rowBytes + i] = clip8(sum)
            }
        }
        return result
    }
}
