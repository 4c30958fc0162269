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
        var pixels = [UInt8](repeating: 0, count: width * height)
        switch frame.layout {
        case .gray8, .rgb24:
            let bytesPerPixel = frame.layout == .gray8 ? 1 : 3
            guard frame.stride >= width * bytesPerPixel, frame.bytes.count >= frame.stride * (height - 1) + width * bytesPerPixel else {
                throw VisionError(.unsupportedFrame, "\(frame.layout) frame \(width)×\(height) with stride \(frame.stride) has only \(frame.bytes.count) bytes")
            }
            frame.bytes.withUnsafeBufferPointer { source in
                for y in 0..<height {
                    let row = y * frame.stride
                    if bytesPerPixel == 1 {
                        for x in 0..<width { pixels[y * width + x] = source[row + x] }
                    } else {
                        for x in 0..<width {
                            let p = row + 3 * x
                            // BT.601: 0.299 R + 0.587 G + 0.114 B with weights summing to 256.
                            let luma = 77 * Int(source[p]) + 150 * Int(source[p + 1]) + 29 * Int(source[p + 2])
                            pixels[y * width + x] = UInt8((luma + 128) >> 8)
                        }
                    }
                }
            }
        case .float32CHW:
            let plane = width * height
            guard frame.floats.count >= 3 * plane else {
                throw VisionError(.unsupportedFrame, "float frame \(width)×\(height) has \(frame.floats.count) values, needs \(3 * plane)")
            }
            frame.floats.withUnsafeBufferPointer { f in
                for i in 0..<plane {
                    let luma = 0.299 * f[i] + 0.587 * f[plane + i] + 0.114 * f[2 * plane + i]
                    pixels[i] = UInt8(max(0, min(255, (luma * 255).rounded())))
                }
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
