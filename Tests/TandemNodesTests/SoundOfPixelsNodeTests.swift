import Foundation
import Testing
import TandemCore
import TandemModels
@testable import TandemNodes

/// `sound-of-pixels` through the graph with the model tests' reduced random-weight network, and
/// its validation when the weights are missing.
@Suite(.serialized) struct SoundOfPixelsNodeTests {
    /// A region segment as `name x y w h` from its typed region (empty box: just the name), for compact expectations.
    static func described(_ segment: Segment) -> String {
        guard let region = segment.region else { return "untyped \(segment.label)" }
        return ([region.label] + (region.box.map { [$0.x, $0.y, $0.width, $0.height].map(String.init) } ?? [])).joined(separator: " ")
    }

    static let weights = SeparateNodeTests.packageRoot.appendingPathComponent("Tests/TandemModelsTests/Fixtures/sound-of-pixels/weights.safetensors").path

    @Test func missingWeightsFailValidationNamingTheConverter() throws {
        let yaml = """
            version: 1
            nodes:
              - id: decode
                kind: decode
                params: {sample_rate: 11025, channels: 1, sampling: fps, fps: 8}
              - id: sop
                kind: sound-of-pixels
                params: {weights: /nonexistent/sop.safetensors}
                inputs: {audio: decode.audio, video: decode.video}
            sinks:
              - id: out
                kind: write-sources
                inputs: {regions: sop.regions, sources: sop.sources}
            """
        #expect { try Pipeline.load(yaml: yaml, file: "sop.yaml", catalog: .standard) } throws: {
            "\($0)".contains("/nonexistent/sop.safetensors") && "\($0)".contains("Tools/convert_sound_of_pixels.py")
        }
    }

    @Test func oneSourcePerGridRegion() throws {
        var harness = GraphHarness()
        try harness.add("sop", "sound-of-pixels", ["weights": .string(Self.weights), "window_samples": .int(32767), "image_size": .int(48),
                                                   "grid": .string("1x2")])
        // TwoPlayers at the model's 11025 Hz, frames thinned to 8 fps.
        try harness.graph.add("audio", AudioSource(buffer: TwoPlayers.audio()))
        try harness.graph.add("video", FrameSource(frames: TwoPlayers.frames().enumerated().filter { $0.offset % 3 == 0 }.map(\.element)))
        try harness.connect("audio.audio", to: "sop.audio")
        try harness.connect("video.video", to: "sop.video")
        let sources = try harness.collect("c-sources", from: "sop.sources")
        let regions = try harness.collect("c-regions", from: "sop.regions")
        _ = try harness.run(on: harness.root.appendingPathComponent("in.mp4"))
        let labels = regions.packets.flatMap { (p: Packet) -> [String] in if case .segments(let s) = p { s.map(Self.described) } else { [] } }
        #expect(labels == ["r0c0 0 0 48 48", "r0c1 48 0 48 48"])
        let audio = sources.packets.audio
        #expect(audio.count >= 2 && audio.allSatisfy { $0.sampleRate == 11_025 })
        // Sent a stretch at a time as windows finish, one packet per region each time.
        let joined = try SeparateNodeStreamingTests.joined(audio, sources: 2)
        for samples in joined {
            #expect(samples.count == TwoPlayers.audio().frameCount)
            #expect(samples.allSatisfy { $0.isFinite })
        }
    }

    @Test func userRegionsArePooledFromTheWholePicture() throws {
        func separate(_ regions: String, videoScale: Int = 1) throws -> (labels: [String], audio: [[Float]]) {
            var harness = GraphHarness()
            try harness.add("sop", "sound-of-pixels", ["weights": .string(Self.weights), "window_samples": .int(32767), "image_size": .int(48),
                                                       "regions": .string(regions)])
            // Frames decoded at 1/videoScale of the video's size.
            let frames = TwoPlayers.frames().enumerated().filter { $0.offset % 3 == 0 }.map { _, frame in
                var frame = frame
                (frame.sourceWidth, frame.sourceHeight) = (videoScale * frame.width, videoScale * frame.height)
                return frame
            }
            try harness.graph.add("audio", AudioSource(buffer: TwoPlayers.audio()))
            try harness.graph.add("video", FrameSource(frames: frames))
            try harness.connect("audio.audio", to: "sop.audio")
            try harness.connect("video.video", to: "sop.video")
            let sources = try harness.collect("c-sources", from: "sop.sources")
            let regions = try harness.collect("c-regions", from: "sop.regions")
            _ = try harness.run(on: harness.root.appendingPathComponent("in.mp4"))
            let labels = regions.packets.flatMap { (p: Packet) -> [String] in if case .segments(let s) = p { s.map(Self.described) } else { [] } }
            return (labels, try SeparateNodeStreamingTests.joined(sources.packets.audio, sources: 2))
        }
        let given = try separate("0,0,40,48;56,8,40,32")
        #expect(given.labels == ["region0 0 0 40 48", "region1 56 8 40 32"])
        #expect(given.audio.count == 2)
        // Different regions of the picture give different masks; the same region twice, the same one.
        #expect(given.audio[0] != given.audio[1])
        // At a scale that does not divide the boxes (frames a fifth of the video), they are still reported as given.
        #expect(try separate("3,2,198,237;243,1,237,238", videoScale: 5).labels == ["region0 3 2 198 237", "region1 243 1 237 238"])
        let twice = try separate("0,0,40,48;0,0,40,48")
        #expect(twice.audio[0] == twice.audio[1])
        #expect(twice.audio[0] == given.audio[0])
        #expect(!SoundOfPixelsNode.problems(in: try NodeParameters(["weights": .string(Self.weights), "regions": .string("1,2")],
                                                                   for: SoundOfPixelsNode.descriptor)).isEmpty)
        // A region outside the video (whose size the first frame carries) fails the input, naming it.
        let error = try #require(throws: (any Error).self) { _ = try separate("0,0,40,48;90,0,40,48") }
        #expect("\(error)".contains("in.mp4") && "\(error)".contains("outside the 96×48 frame"), "\(error)")
    }
}

/// Streaming windows as audio arrives gives the samples the whole-recording separation gives.
@Suite(.serialized) struct SoundOfPixelsStreamingTests {
    @Test func streamedEqualsTheWholeRecording() throws {
        let frames = TwoPlayers.frames().enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
        var harness = GraphHarness()
        try harness.add("sop", "sound-of-pixels", ["weights": .string(SoundOfPixelsNodeTests.weights), "window_samples": .int(32767),
                                                   "image_size": .int(48), "grid": .string("1x2")])
        try harness.graph.add("audio", AudioSource(buffer: TwoPlayers.audio()))
        try harness.graph.add("video", FrameSource(frames: frames))
        try harness.connect("audio.audio", to: "sop.audio")
        try harness.connect("video.video", to: "sop.video")
        let sources = try harness.collect("c-sources", from: "sop.sources")
        _ = try harness.run(on: harness.root.appendingPathComponent("in.mp4"))
        let streamed = try SeparateNodeStreamingTests.joined(sources.packets.audio, sources: 2)

        var model = try SoundOfPixels(weightsAt: URL(fileURLWithPath: SoundOfPixelsNodeTests.weights))
        model.configuration.windowSamples = 32767
        model.configuration.imageSize = 48
        let boxes = [(0, 0, 48, 48), (48, 0, 48, 48)]
        let whole = try model.separateRecording(TwoPlayers.audio().channels[0].array, sources: 2) { center in
            let picked = model.configuration.frameOffsets.map { SoundOfPixelsNode.nearest(frames, to: center + $0) }
            return try SoundOfPixelsNode.regionVectors(model, frames: picked, boxes: boxes)
        }
        #expect(streamed == whole)
    }
}
