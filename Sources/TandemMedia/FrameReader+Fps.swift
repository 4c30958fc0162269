import CFFmpeg
import TandemCore

/// `FrameSampling.fps`: a constant output rate, whatever the input's frame timing.
extension FrameReader {

    struct FpsState {
        let period: Double
        /// The frame on screen so far, its index, time, converted pixels (once asked for).
        var held = FFFrame()
        var heldIndex = -1
        var heldTime = 0.0
        var heldConverted: VideoFrame?
        var firstTime: Double?
        var instant = 0
        var frameDuration = 0.0
    }

    func stepFps(_ fps: inout FpsState) throws {
        guard try decode() else {
            finished = true
            guard fps.heldIndex >= 0, let first = fps.firstTime else { return }
            // The last frame stays on screen for one frame duration (the gap before it), which is
            // where the video ends: an instant at or past the end shows no frame and is not emitted
            // (a 600 s video at 1 fps gives 600 frames, not 601).
            let end = fps.heldTime + max(fps.frameDuration, 1e-6)
            while first + Double(fps.instant) * fps.period < end - 1e-9 {
                try emitHeld(&fps)
                fps.instant += 1
            }
            return
        }
        let time = seconds(of: loop.frame)
        if fps.heldIndex >= 0 { fps.frameDuration = max(0, time - fps.heldTime) }
        var first = fps.firstTime ?? time
        if time - (first + Double(fps.instant) * fps.period) > FrameReader.maximumGap {
            // A jump of the timestamps (a damaged or concatenated file) would repeat the held frame
            // for hours: restart the output clock at this frame instead.
            first = time - Double(fps.instant) * fps.period
            if fps.heldIndex >= 0 { try emitHeld(&fps) }
            fps.instant += fps.heldIndex >= 0 ? 1 : 0
            first = time - Double(fps.instant) * fps.period
        }
        fps.firstTime = first
        // Every instant before this frame's time shows the held frame.
        while fps.heldIndex >= 0 && first + Double(fps.instant) * fps.period < time - 1e-9 {
            try emitHeld(&fps)
            fps.instant += 1
        }
        fps.held.take(from: loop.frame)
        fps.heldIndex = decodedCount - 1
        fps.heldTime = time
        fps.heldConverted = nil
    }

    /// The longest gap between two frames that `fps` sampling fills by repeating a frame (seconds).
    static let maximumGap = 600.0

    func emitHeld(_ fps: inout FpsState) throws {
        if let converted = fps.heldConverted {
            queue.append(converted)
            return
        }
        let frame = try makeFrame(fps.held, index: fps.heldIndex)
        if convertPixels { fps.heldConverted = frame }
        queue.append(frame)
    }
}
