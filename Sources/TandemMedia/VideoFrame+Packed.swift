import CFFmpeg
import TandemCore

extension VideoFrame {
    /// The frame as packed 8-bit pixels for an encoder: rgb24 and gray8 as they are, float32CHW
    /// (0…1) converted to rgb24 with rounding and clamping.
    func packedPixels() -> (bytes: SharedArray<UInt8>, stride: Int, format: AVPixelFormat) {
        switch layout {
        case .rgb24: return (bytes, stride, AV_PIX_FMT_RGB24)
        case .gray8: return (bytes, stride, AV_PIX_FMT_GRAY8)
        case .float32CHW:
            let plane = width * height
            let packed = SharedArray<UInt8>(unsafeUninitializedCount: plane * 3) { output in
                floats.withUnsafeBufferPointer { input in
                    for i in 0..<plane {
                        for c in 0..<3 {
                            let value = (input[c * plane + i] * 255).rounded()
                            output[3 * i + c] = UInt8(max(0, min(255, value.isNaN ? 0 : value)))
                        }
                    }
                }
            }
            return (packed, width * 3, AV_PIX_FMT_RGB24)
        }
    }

    /// Checks that the payload matches the declared size, so encoders never read out of bounds.
    func validatePayload(path: String, operation: String) throws {
        let valid = switch layout {
        case .rgb24: stride >= width * 3 && bytes.count >= stride * height
        case .gray8: stride >= width && bytes.count >= stride * height
        case .float32CHW: floats.count >= 3 * width * height
        }
        guard valid, width > 0, height > 0 else {
            throw MediaError(.invalidArgument, path: path, operation: operation,
                             message: "frame payload does not match \(width)x\(height) \(layout.rawValue) with stride \(stride)")
        }
    }
}
