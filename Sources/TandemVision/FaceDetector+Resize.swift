extension FaceDetector {
    /// Shrinks an image the way OpenCV 4's cascade scan builds its pyramid (`resize` with
    /// `INTER_LINEAR_EXACT`, the bit-exact bilinear kernel): pixel-centre mapping in double precision,
    /// 8-bit fractional weights `round(f·256)` and `256 − that`, an exact horizontal pass, and the
    /// vertical pass rounded once from 16 fractional bits. Matching it pixel for pixel means borderline
    /// windows decide the same way as in OpenCV (checked against `cv2.resize` in the fixture script).
    static func resizeLinear(_ image: GrayImage, width: Int, height: Int) -> GrayImage {
        if width == image.width && height == image.height { return image }
        func taps(source: Int, destination: Int) -> (index: [Int], next: [Int], w0: [Int], w1: [Int]) {
            let scale = 1 / (Double(destination) / Double(source))
            var index = [Int](repeating: 0, count: destination), next = index, w0 = index, w1 = index
            for d in 0..<destination {
                var f = (Double(d) + 0.5) * scale - 0.5
                var s = Int(f.rounded(.down))
                f -= Double(s)
                if s < 0 { s = 0; f = 0 }
                if s >= source - 1 { s = source - 1; f = 0 }
                let weight = Int((f * 256).rounded(.toNearestOrEven))
                index[d] = s
                next[d] = min(s + 1, source - 1)
                w0[d] = 256 - weight
                w1[d] = weight
            }
            return (index, next, w0, w1)
        }
        let h = taps(source: image.width, destination: width)
        let v = taps(source: image.height, destination: height)
        var rows = [Int](repeating: 0, count: width * image.height)
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<image.height {
                let row = y * image.width
                for x in 0..<width {
                    rows[y * width + x] = Int(src[row + h.index[x]]) * h.w0[x] + Int(src[row + h.next[x]]) * h.w1[x]
                }
            }
        }
        var out = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            let r0 = v.index[y] * width, r1 = v.next[y] * width
            let b0 = v.w0[y], b1 = v.w1[y]
            for x in 0..<width {
                out[y * width + x] = UInt8(clamping: (b0 * rows[r0 + x] + b1 * rows[r1 + x] + 0x8000) >> 16)
            }
        }
        return GrayImage(width: width, height: height, pixels: out)
    }
}
