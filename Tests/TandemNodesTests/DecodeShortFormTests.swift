import Foundation
import Testing
import TandemCore
import TandemMedia
@testable import TandemNodes

/// `decode`'s `frames` and `size` take TandemMedia's short forms (`FrameSampling(parsing:)`,
/// `ResizeMode(parsing:)`), the grammar of `tandem frames --sampling/--size`.
@Suite struct DecodeShortFormTests {
    @Test func framesAndSizeReplaceSamplingAndResize() throws {
        var harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let url = harness.root.appendingPathComponent("in/clip.mp4")
        try MediaSamples.video(url, frames: 20, fps: 10, width: 64, height: 48)
        try harness.add("decode", "decode", ["frames": .string("timestamps:0.5,1.25"), "size": .string("24/16x16"),
                                             "sampling": .string("uniform"), "resize": .string("exact")])
        let frames = try harness.collect("f", from: "decode.video")
        _ = try harness.run(on: url)
        let decoded = frames.packets.compactMap { packet -> VideoFrame? in
            if case .video(let frame) = packet { return frame }
            return nil
        }
        #expect(decoded.map(\.frameIndex) == [5, 12])
        #expect(decoded.allSatisfy { $0.width == 16 && $0.height == 16 })
    }

    @Test func badShortFormsAreValidationProblems() throws {
        func problems(_ values: [String: ParameterValue]) throws -> [String] {
            DecodeNode.problems(in: try NodeParameters(values, for: DecodeNode.descriptor)).compactMap(\.parameter)
        }
        #expect(try problems(["frames": .string("uniform:8"), "size": .string("box:640x360")]).isEmpty)
        #expect(try problems(["frames": .string("every:2")]) == ["frames"])
        #expect(try problems(["size": .string("12y4")]) == ["size"])
        #expect(throws: NodeError.self) { try DecodeNode(parameters: try NodeParameters(["size": .string("0")], for: DecodeNode.descriptor)) }
    }
}
