extension HaarCascade {
    /// Summed-area tables of one gray image, `(width + 1) × (height + 1)` entries each, as OpenCV's
    /// `cv::integral(image, sum, sqsum, tilted)` produces them: entry `(x, y)` sums the pixels above
    /// and left of it, so any rectangle sum is four look-ups.
    ///
    /// Rows may be laid out wider than `width + 1` (`stride`): the levels of one pyramid then share a
    /// stride, and the cascade's corner offsets, which depend on it, are compiled once per scan
    /// rather than once per level (OpenCV likewise packs all levels into one buffer).
    struct IntegralImages {
        let width: Int
        let height: Int
        /// Entries per row: at least `width + 1`.
        let stride: Int
        var sums: [Int]
        var squares: [Int]
        /// Empty unless requested: the 45°-rotated sums, entry `(X, Y)` summing pixels `(x, y)` with
        /// `y < Y` and `|x − X + 1| ≤ Y − y − 1` (a triangle whose apex is the pixel above-left).
        var tilted: [Int]

        init(_ pixels: UnsafeBufferPointer<UInt8>, width: Int, height: Int, stride: Int? = nil, withTilted: Bool) {
            self.width = width
            self.height = height
            let stride = max(width + 1, stride ?? 0)
            self.stride = stride
            let count = stride * (height + 1)
            var sums = [Int](repeating: 0, count: count)
            var squares = [Int](repeating: 0, count: count)
            for y in 0..<height {
                var rowSum = 0, rowSquares = 0
                let above = y * stride, here = (y + 1) * stride
                for x in 0..<width {
                    let p = Int(pixels[y * width + x])
                    rowSum += p
                    rowSquares += p * p
                    sums[here + x + 1] = sums[above + x + 1] + rowSum
                    squares[here + x + 1] = squares[above + x + 1] + rowSquares
                }
            }
            self.sums = sums
            self.squares = squares
            tilted = withTilted ? Self.tiltedSums(pixels, width: width, height: height, stride: stride) : []
        }

        /// Tilted sums by the recurrence T(X,Y) = T(X−1,Y−1) + T(X+1,Y−1) − T(X,Y−2) + I(X−1,Y−1) + I(X−1,Y−2):
        /// the two triangles one row up overlap in the triangle two rows up and miss the two pixels on
        /// the apex column. Computed on a table padded by `height + 2` columns each side so triangles
        /// reaching past the image edge are still exact, then cropped.
        private static func tiltedSums(_ pixels: UnsafeBufferPointer<UInt8>, width: Int, height: Int, stride: Int) -> [Int] {
            let pad = height + 2
            let paddedStride = width + 1 + 2 * pad
            var t = [Int](repeating: 0, count: paddedStride * (height + 1))
            func pixel(_ x: Int, _ y: Int) -> Int {
                (x >= 0 && x < width && y >= 0 && y < height) ? Int(pixels[y * width + x]) : 0
            }
            for y in 1...max(height, 1) where height > 0 {
                for px in 0..<paddedStride {
                    let x = px - pad
                    var v = pixel(x - 1, y - 1) + pixel(x - 1, y - 2)
                    if px > 0 { v += t[(y - 1) * paddedStride + px - 1] }
                    if px + 1 < paddedStride { v += t[(y - 1) * paddedStride + px + 1] }
                    if y >= 2 { v -= t[(y - 2) * paddedStride + px] }
                    t[y * paddedStride + px] = v
                }
            }
            var cropped = [Int](repeating: 0, count: stride * (height + 1))
            for y in 0...height {
                for x in 0...width { cropped[y * stride + x] = t[y * paddedStride + x + pad] }
            }
            return cropped
        }

        /// The sum of the pixels in `[x, x+w) × [y, y+h)`.
        func sum(x: Int, y: Int, width w: Int, height h: Int) -> Int {
            sums[(y + h) * stride + x + w] - sums[y * stride + x + w] - sums[(y + h) * stride + x] + sums[y * stride + x]
        }
    }
}
