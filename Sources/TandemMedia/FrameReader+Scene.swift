import CFFmpeg
import TandemCore

/// `FrameSampling.scene`: a frame whenever the picture changes enough.
extension FrameReader {

    struct SceneState {
        let threshold: Double
        let thumbnailer = FFScaler(flags: tandem_SWS_AREA)
        var previous: [UInt8]?
    }

    func stepScene(_ scene: inout SceneState) throws {
        guard try decode() else { finished = true; return }
        let side = 32
        var padded = [UInt8](repeating: 0, count: side * side + FrameConverter.scalerPadding)
        try padded.withUnsafeMutableBufferPointer { buffer in
            try scene.thumbnailer.scale(loop.frame, to: AV_PIX_FMT_GRAY8, width: side, height: side,
                                        destination: buffer.baseAddress!, stride: side, path: path)
        }
        let thumbnail = Array(padded[0..<(side * side)])
        defer { scene.previous = thumbnail }
        if let previous = scene.previous {
            var total = 0
            for i in 0..<thumbnail.count { total += abs(Int(thumbnail[i]) - Int(previous[i])) }
            let change = Double(total) / Double(thumbnail.count * 255)
            guard change > scene.threshold else { return }
        }
        queue.append(try makeFrame(loop.frame, index: decodedCount - 1))
    }
}
