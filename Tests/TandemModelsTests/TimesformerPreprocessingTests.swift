import Foundation
import Testing
import TandemCore
import TandemNN
@testable import TandemModels

@Suite struct TimesformerPreprocessingTests {
    func frame(from tensor: Tensor) -> VideoFrame {
        let (height, width) = (tensor.shape[0], tensor.shape[1])
        return VideoFrame(layout: .rgb24, width: width, height: height, stride: width * 3,
                          bytes: SharedArray(tensor.scalars.map { UInt8($0) }), pts: 0, timeBase: Rational(1, 30), frameIndex: 0, seconds: 0)
    }

    @Test func matchesTransformersPILProcessor() throws {
        let folder = fixtureURL("preprocess")
        let processor = try TimesformerPreprocessor.load(directory: folder)
        #expect(processor.size.shortestEdge == 24 && processor.cropSize.height == 20 && processor.imageMean == [0.45, 0.45, 0.45])
        let file = try SafetensorsFile(url: folder.appendingPathComponent("frame.safetensors"))
        let input = frame(from: try file.tensor(named: "frame"))
        #expect(processor.resizedSize(height: 45, width: 61) == (24, 32))
        let ours = try processor.pixels(frame: input)
        let reference = try file.tensor(named: "pil")
        #expect(ours.shape == [3, 20, 20])
        // Exact Pillow arithmetic: every byte equal, so only float rounding remains.
        #expect(maxDifference(ours.scalars, reference.scalars) < 1e-5)
        let clip = try processor.pixels(frames: [input, input], crop: .start)
        #expect(clip.shape == [2, 3, 20, 20])
        let views = try processor.views(clips: [[input, input], [input, input]], crops: TimesformerPreprocessor.Crop.allCases)
        let centered = try processor.pixels(frames: [input, input], crop: .center)
        #expect(views.count == 6 && views[0] == clip && views[4] == centered)
    }

    @Test func crops() throws {
        var processor = TimesformerPreprocessor()
        processor.doResize = false
        processor.doNormalize = false
        processor.doRescale = false
        processor.cropSize = .init(height: 2, width: 2)
        // 2 × 4 landscape frame whose red channel is the column index.
        let bytes: [UInt8] = (0..<2).flatMap { _ in (0..<4).flatMap { x -> [UInt8] in [UInt8(x), 0, 0] } }
        let input = VideoFrame(layout: .rgb24, width: 4, height: 2, stride: 12, bytes: SharedArray(bytes), pts: 0, timeBase: Rational(1, 30), frameIndex: 0, seconds: 0)
        #expect(try processor.pixels(frame: input, crop: .start).scalars[0..<2] == [0, 1])
        #expect(try processor.pixels(frame: input, crop: .center).scalars[0..<2] == [1, 2])
        #expect(try processor.pixels(frame: input, crop: .end).scalars[0..<2] == [2, 3])
        let gray = VideoFrame(layout: .gray8, width: 4, height: 2, stride: 4, bytes: SharedArray([UInt8](repeating: 0, count: 8)), pts: 0, timeBase: Rational(1, 30), frameIndex: 0, seconds: 0)
        #expect(throws: TimesformerPreprocessor.Error.self) { try processor.pixels(frame: gray) }
    }

    @Test func pillowBilinearUpscaleOfAStep() {
        // Pillow: Image.fromarray(np.array([[0, 255]] * 1, uint8) as RGB).resize((4, 1), BILINEAR) → 0, 64, 191, 255.
        let bytes: [UInt8] = [0, 0, 0, 255, 255, 255]
        let out = PILResize.resize(bytes, width: 2, height: 1, stride: 6, toWidth: 4, height: 1, filter: .bilinear)
        #expect(stride(from: 0, to: 12, by: 3).map { out[$0] } == [0, 64, 191, 255])
    }

    @Test func clipSampling() {
        // 300 frames at 30 fps: the 8 × 32 clip spans 256 frames; one clip starts at 0.
        let kinetics = ClipSampler.kineticsTest.clipIndices(frameCount: 300, fps: 30)
        #expect(kinetics == [[0, 36, 72, 109, 145, 182, 218, 255]])  // torch.linspace(0, 255, 8).long()
        // Three clips: starts at 0, 44/3, 88/3.
        let three = ClipSampler(strategy: .kinetics(samplingRate: 32, targetFPS: 30), frames: 8, clips: 3).clipIndices(frameCount: 300, fps: 30)
        #expect(three.count == 3 && three[1][0] == 14 && three[2][7] == 284)
        // A video shorter than the span is clamped to its last frame.
        #expect(ClipSampler.kineticsTest.clipIndices(frameCount: 100, fps: 30).last!.last == 99)
        #expect(ClipSampler(strategy: .uniform, frames: 4).clipIndices(frameCount: 10, fps: 25) == [[0, 3, 6, 9]])
        #expect(ClipSampler(strategy: .segments, frames: 4).clipIndices(frameCount: 8, fps: 25) == [[1, 3, 5, 7]])
    }
}
