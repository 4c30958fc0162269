import TandemCore
import TandemNN

extension SoundOfPixels {
    /// Frames as the frame net takes them: [T, 3, S, S], shorter side resized to S = `imageSize`,
    /// centre-cropped, scaled to 0…1 and normalised with the ImageNet mean and std — the repository's
    /// evaluation transform.
    ///
    /// RGB24 frames are resized with Pillow's bicubic filter, byte for byte (`PILResize`), as the
    /// repository does; gray and float frames, which Pillow never sees there, bilinearly.
    /// - Parameters:
    ///   - region: an optional crop (pixels) taken before resizing — one player of a wide shot.
    ///   - centerCrop: false keeps the whole resized picture, [T, 3, S, S · long / short] (or its
    ///     transpose): the frame net is convolutional, and regions are then pooled from its feature map
    ///     (`imageVector(fromFeatures:rows:columns:)`), as the paper selects a pixel.
    /// - Throws: `SoundOfPixelsError(.invalidInput)` for no frames or a frame that cannot be read.
    public func frameTensor(_ frames: [VideoFrame], region: (x: Int, y: Int, width: Int, height: Int)? = nil,
                            centerCrop: Bool = true) throws -> Tensor {
        guard let firstFrame = frames.first else { throw SoundOfPixelsError(.invalidInput, "no frames") }
        let size = configuration.imageSize
        let firstCrop = region ?? (0, 0, firstFrame.width, firstFrame.height)
        let resizedFirst = Self.resizedSize(width: firstCrop.width, height: firstCrop.height, shorter: size)
        let (outW, outH) = centerCrop ? (size, size) : resizedFirst
        let plane = outW * outH
        var values = [Float](repeating: 0, count: frames.count * 3 * plane)
        for (n, frame) in frames.enumerated() {
            let crop = region ?? (0, 0, frame.width, frame.height)
            guard crop.width > 0, crop.height > 0, crop.x >= 0, crop.y >= 0,
                  crop.x + crop.width <= frame.width, crop.y + crop.height <= frame.height else {
                throw SoundOfPixelsError(.invalidInput, "region \(crop) outside a \(frame.width)×\(frame.height) frame")
            }
            let sample = try Self.sampler(frame)
            let (newW, newH) = Self.resizedSize(width: crop.width, height: crop.height, shorter: size)
            guard centerCrop || (newW, newH) == (outW, outH) else {
                throw SoundOfPixelsError(.invalidInput, "frame \(n) is \(frame.width)×\(frame.height), the first was \(firstFrame.width)×\(firstFrame.height)")
            }
            // Python's round() in CenterCrop: halves go to the even neighbour.
            let top = centerCrop ? Int((Double(newH - size) / 2).rounded(.toNearestOrEven)) : 0
            let left = centerCrop ? Int((Double(newW - size) / 2).rounded(.toNearestOrEven)) : 0
            if frame.layout == .rgb24 {
                let resized = PILResize.resize(frame.bytes.array, origin: crop.y * frame.stride + crop.x * 3,
                                               width: crop.width, height: crop.height, stride: frame.stride,
                                               toWidth: newW, height: newH, filter: .bicubic)
                for c in 0..<3 {
                    let mean = configuration.mean[c], std = configuration.std[c]
                    for y in 0..<outH {
                        for x in 0..<outW {
                            let v = Float(resized[((y + top) * newW + x + left) * 3 + c]) / 255
                            values[(n * 3 + c) * plane + y * outW + x] = (v - mean) / std
                        }
                    }
                }
                continue
            }
            let sy = Double(crop.height) / Double(newH), sx = Double(crop.width) / Double(newW)
            for y in 0..<outH {
                let fy = max(0, (Double(y + top) + 0.5) * sy - 0.5)
                let y0 = min(Int(fy), crop.height - 1), y1 = min(y0 + 1, crop.height - 1)
                let wy = Float(fy - Double(y0))
                for x in 0..<outW {
                    let fx = max(0, (Double(x + left) + 0.5) * sx - 0.5)
                    let x0 = min(Int(fx), crop.width - 1), x1 = min(x0 + 1, crop.width - 1)
                    let wx = Float(fx - Double(x0))
                    for c in 0..<3 {
                        let a = sample(c, crop.x + x0, crop.y + y0), b = sample(c, crop.x + x1, crop.y + y0)
                        let d = sample(c, crop.x + x0, crop.y + y1), e = sample(c, crop.x + x1, crop.y + y1)
                        let v = (a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy
                        values[(n * 3 + c) * plane + y * outW + x] = (v - configuration.mean[c]) / configuration.std[c]
                    }
                }
            }
        }
        return Tensor(shape: [frames.count, 3, outH, outW], values: values)
    }

    /// Shorter side → `shorter`; the longer keeps the aspect ratio, truncated (torchvision `Resize(int)`).
    static func resizedSize(width: Int, height: Int, shorter: Int) -> (width: Int, height: Int) {
        width <= height ? (shorter, Int(Double(shorter) * Double(height) / Double(width)))
            : (Int(Double(shorter) * Double(width) / Double(height)), shorter)
    }

    /// The feature-map rows and columns a pixel box covers, for a `featureHeight × featureWidth` map of
    /// an `imageWidth × imageHeight` picture: every feature pixel whose footprint the box touches
    /// (`floor(start · scale) ..< ceil(end · scale)`), at least one.
    public static func featureRange(of box: (x: Int, y: Int, width: Int, height: Int), imageWidth: Int, imageHeight: Int,
                                    featureWidth: Int, featureHeight: Int) -> (rows: Range<Int>, columns: Range<Int>) {
        func span(_ start: Int, _ length: Int, _ image: Int, _ feature: Int) -> Range<Int> {
            let scale = Double(feature) / Double(image)
            let lo = min(feature - 1, max(0, Int((Double(start) * scale).rounded(.down))))
            let hi = max(lo + 1, min(feature, Int((Double(start + length) * scale).rounded(.up))))
            return lo..<hi
        }
        return (span(box.y, box.height, imageHeight, featureHeight), span(box.x, box.width, imageWidth, featureWidth))
    }

    /// Reads channel `c` at (x, y) as 0…1.
    static func sampler(_ frame: VideoFrame) throws -> (Int, Int, Int) -> Float {
        switch frame.layout {
        case .rgb24:
            guard frame.bytes.count >= frame.stride * (frame.height - 1) + 3 * frame.width else {
                throw SoundOfPixelsError(.invalidInput, "rgb24 frame \(frame.width)×\(frame.height) has only \(frame.bytes.count) bytes")
            }
            let bytes = frame.bytes, stride = frame.stride
            return { c, x, y in Float(bytes[y * stride + 3 * x + c]) / 255 }
        case .gray8:
            guard frame.bytes.count >= frame.stride * (frame.height - 1) + frame.width else {
                throw SoundOfPixelsError(.invalidInput, "gray8 frame \(frame.width)×\(frame.height) has only \(frame.bytes.count) bytes")
            }
            let bytes = frame.bytes, stride = frame.stride
            return { _, x, y in Float(bytes[y * stride + x]) / 255 }
        case .float32CHW:
            let plane = frame.width * frame.height
            guard frame.floats.count >= 3 * plane else {
                throw SoundOfPixelsError(.invalidInput, "float frame \(frame.width)×\(frame.height) has \(frame.floats.count) values")
            }
            let floats = frame.floats, width = frame.width
            return { c, x, y in floats[c * plane + y * width + x] }
        }
    }
}
