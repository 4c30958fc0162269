import TandemCore

/// An 8-bit luma image, the form motion analysis works on.
///
/// Motion energy only needs brightness changes, so colour frames are reduced to luma first
/// (ITU-R BT.601 weights in fixed point, as FFmpeg's `rgb24 → gray` conversion does up to rounding).
public struct GrayImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// `width × height` bytes, row-major, no padding.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height, "\(pixels.count) pixels for \(width)×\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The luma of a decoded frame.
    /// - Throws: `VisionError(.unsupportedFrame)` when the frame's buffers are smaller than its size says.
    public init(_ frame: VideoFrame) throws {
        let width = frame.width, height = frame.height
        guard width > 0, height > 0 else { throw VisionError(.unsupportedFrame, "empty frame \(width)×\(height)") }
        var pixels: [UInt8]
        switch frame.layout {
        case .gray8, .rgb24:
            let bytesPerPixel = frame.layout == .gray8 ? 1 : 3
            guard frame.stride >= width * bytesPerPixel, frame.bytes.count >= frame.stride * (height - 1) + width * bytesPerPixel else {
                throw VisionError(.unsupportedFrame, "\(frame.layout) frame \(width)×\(height) with stride \(frame.stride) has only \(frame.bytes.count) bytes")
            }
            let source = frame.bytes.array
            if bytesPerPixel == 1 && frame.stride == width && source.count == width * height {
                // Unpadded luma is the image already: shared, not copied.
                pixels = source
            } else if bytesPerPixel == 1 {
                pixels = []
                pixels.reserveCapacity(width * height)
                for y in 0..<height { pixels += source[(y * frame.stride)..<(y * frame.stride + width)] }
            } else {
                pixels = [UInt8](repeating: 0, count: width * height)
                let bytes = source.span
                var luma = pixels.mutableSpan
                for y in 0..<height {
                    let row = bytes.extracting((y * frame.stride)..<(y * frame.stride + 3 * width))
                    for x in 0..<width {
                        // BT.601: 0.299 R + 0.587 G + 0.114 B with weights summing to 256.
                        let sum = 77 * Int(row[3 * x]) + 150 * Int(row[3 * x + 1]) + 29 * Int(row[3 * x + 2])
                        luma[y * width + x] = UInt8((sum + 128) >> 8)
                    }
                }
            }
        case .float32CHW:
            let plane = width * height
            guard frame.floats.count >= 3 * plane else {
                throw VisionError(.unsupportedFrame, "float frame \(width)×\(height) has \(frame.floats.count) values, needs \(3 * plane)")
            }
            let f = frame.floats.array
            pixels = (0..<plane).map { i in
                let luma = 0.299 * f[i] + 0.587 * f[plane + i] + 0.114 * f[2 * plane + i]
                return UInt8(max(0, min(255, (luma * 255).rounded())))
            }
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// The part of the image inside `box` (which must lie inside the image).
    public func cropped(to box: FaceBox) -> GrayImage {
        precondition(box.x >= 0 && box.y >= 0 && box.x + box.width <= width && box.y + box.height <= height, "\(box) outside \(width)×\(height)")
        var result = [UInt8](repeating: 0, count: box.area)
        for y in 0..<box.height {
            let source = (box.y + y) * width + box.x
            result.replaceSubrange(y * box.width..<(y + 1) * box.width, with: pixels[source..<source + box.width])
        }
        return GrayImage(width: box.width, height: box.height, pixels: result)
    }
}
