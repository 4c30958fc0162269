import Foundation
import Testing
import TandemCore
import TandemMedia
@testable import TandemNodes

/// Two chunks of different formats: the second one makes `separate` fail mid-stream.
struct FormatChangingSource: Node {
    static let descriptor = NodeDescriptor(kind: "format-changing-source", doc: "test source", outputs: [PortSpec("audio", .audio)])
    var sent = 0

    mutating func produce(output: NodeOutput) throws -> Bool {
        guard sent < 2 else { return false }
        let channels = sent == 0 ? 1 : 2
        try output.emit(.audio(AudioBuffer(sampleRate: 8000, channelLayout: channels == 1 ? "mono" : "stereo", firstSample: Int64(sent * 4000),
                                           channels: (0..<channels).map { _ in SharedArray((0..<4000).map { Float(sin(Double($0) * 0.1)) }) })))
        sent += 1
        return true
    }
}

/// `separate` spills the recording and streams its sources a chunk at a time; `write-sources` appends them.
@Suite(.serialized) struct SeparateNodeStreamingTests {
    /// A fresh folder for the node's spills.
    static func spillFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-spill-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func node(_ values: [String: ParameterValue], spillParent: URL) throws -> SeparateNode {
        var node = try SeparateNode(parameters: NodeParameters(values, for: SeparateNode.descriptor))
        node.spillParent = spillParent
        return node
    }

    /// Each source's packets joined: packet `i` of every stretch belongs to source `i`.
    static func joined(_ packets: [AudioBuffer], sources: Int) throws -> [[Float]] {
        try #require(sources > 0 && packets.count % sources == 0)
        var out = [[Float]](repeating: [], count: sources)
        for (i, packet) in packets.enumerated() {
            #expect(packet.firstSample == Int64(out[i % sources].count), "packet \(i) does not continue its source")
            out[i % sources] += packet.channels[0].array
        }
        return out
    }

    /// TwoPlayers (plus the silent mover) played `times` times in a row.
    static func repeated(_ times: Int, frames: [VideoFrame] = SeparateNodeTests.framesWithSilentMover()) -> (audio: AudioBuffer, frames: [VideoFrame]) {
        let one = TwoPlayers.audio().channels[0].array
        let audio = AudioBuffer(sampleRate: TwoPlayers.rate, channelLayout: "mono", firstSample: 0,
                                channels: [SharedArray(Array([[Float]](repeating: one, count: times).joined()))])
        let all = (0..<times).flatMap { k in
            frames.map { frame in
                let index = k * frames.count + frame.frameIndex
                return VideoFrame(layout: frame.layout, width: frame.width, height: frame.height, stride: frame.stride, bytes: frame.bytes,
                                  pts: Int64(index), timeBase: frame.timeBase, frameIndex: index, seconds: Double(index) / Double(TwoPlayers.fps))
            }
        }
        return (audio, all)
    }

    @Test func aShortInputGivesTheWholeSeparationAndRemovesItsSpill() throws {
        let spills = try Self.spillFolder()
        defer { try? FileManager.default.removeItem(at: spills) }
        var harness = GraphHarness()
        try harness.graph.add("separate", try Self.node(["sources": .string("2")], spillParent: spills))
        try harness.graph.add("audio", AudioSource(buffer: TwoPlayers.audio()))
        try harness.graph.add("video", FrameSource(frames: TwoPlayers.frames()))
        try harness.connect("audio.audio", to: "separate.audio")
        try harness.connect("video.video", to: "separate.video")
        let sources = try harness.collect("c-sources", from: "separate.sources")
        let regions = try harness.collect("c-regions", from: "separate.regions")
        let image = try harness.collect("c-image", from: "separate.image")
        _ = try harness.run(on: harness.root.appendingPathComponent("in.mp4"))

        // The same separation with the whole recording in memory, as before streaming.
        var configuration = MotionGuidedSeparation.Configuration()
        configuration.sources = 2
        var whole = MotionGuidedSeparation(configuration: configuration)
        for frame in TwoPlayers.frames() { try whole.append(frame) }
        let framesMapped = whole.map.frameCount
        let expected = try whole.separate(TwoPlayers.audio(), videoWidth: nil)
        whole.removeTemporaryFiles()
        // The motion map went once the regions' curves were taken (the factorisation ran without it).
        #expect(framesMapped == TwoPlayers.frames().count && whole.map.frameCount == 0)

        let streamed = try Self.joined(sources.packets.audio, sources: expected.sources.count)
        #expect(sources.packets.audio.count == expected.sources.count, "a short input is one stretch")
        #expect(streamed == expected.sources.map { $0.channels[0] })
        let got = regions.packets.flatMap { (p: Packet) -> [PictureRegion] in if case .segments(let s) = p { s.compactMap(\.region) } else { [] } }
        #expect(got == expected.sources.map(\.pictureRegion))
        if case .image(let picture)? = image.packets.first {
            let reference = try expected.result.picture(of: TwoPlayers.audio().channels.map(\.array), plotWidth: 800)
            #expect(picture == reference)
        } else {
            Issue.record("no image")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: spills.path).isEmpty)
    }

    @Test func theSpillIsRemovedWhenTheInputFails() throws {
        let spills = try Self.spillFolder()
        defer { try? FileManager.default.removeItem(at: spills) }
        var harness = GraphHarness()
        try harness.graph.add("separate", try Self.node([:], spillParent: spills))
        try harness.graph.add("audio", FormatChangingSource())
        try harness.connect("audio.audio", to: "separate.audio")
        _ = try harness.collect("c-sources", from: "separate.sources")
        #expect { try harness.run(on: harness.root.appendingPathComponent("in.mp4")) } throws: { "\($0)".contains("changed format") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: spills.path).isEmpty)
    }

    /// 12 s in 5 s chunks: two stretches per source, appended to one WAV each; the silent mover gets none.
    @Test func chunksAreAppendedToOneFilePerSoundingSource() throws {
        let spills = try Self.spillFolder()
        defer { try? FileManager.default.removeItem(at: spills) }
        var harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let input = Self.repeated(3)
        try harness.graph.add("separate", try Self.node(["chunk_seconds": .double(5)], spillParent: spills))
        try harness.graph.add("audio", AudioSource(buffer: input.audio))
        try harness.graph.add("video", FrameSource(frames: input.frames))
        try harness.connect("audio.audio", to: "separate.audio")
        try harness.connect("video.video", to: "separate.video")
        try harness.add("write", "write-sources", ["folder": .string("sep")])
        try harness.connect("separate.regions", to: "write.regions")
        try harness.connect("separate.sources", to: "write.sources")
        try harness.connect("separate.notes", to: "write.notes")
        let sources = try harness.collect("c-sources", from: "separate.sources")
        let regions = try harness.collect("c-regions", from: "separate.regions")
        let result = try harness.run(on: harness.root.appendingPathComponent("in.mp4"))

        let described = regions.packets.flatMap { (p: Packet) -> [PictureRegion] in if case .segments(let s) = p { s.compactMap(\.region) } else { [] } }
        try #require(described.count == 3, "\(described)")
        let starts = Set(sources.packets.audio.map(\.firstSample)).sorted()
        #expect(starts == [0, Int64(5 * TwoPlayers.rate)], "stretches start at the chunks")
        let joined = try Self.joined(sources.packets.audio, sources: described.count)
        let sounding = described.indices.filter { !described[$0].silent }
        #expect(sounding.count == 2)
        let names = described.map { WriteSourcesNode.Region.fileSafe($0.label) }
        #expect(result.outputs == (sounding.map { "sep/\(names[$0]).wav" } + ["sep/summary.json"]).sorted())
        let folder = harness.root.appendingPathComponent("out/sep")
        for index in sounding {
            let written = try AudioReader(url: folder.appendingPathComponent("\(names[index]).wav")).readAll()
            #expect(written.frameCount == input.audio.frameCount)
            #expect(written.channels[0].array == joined[index])
        }
        // No staging file or temporary is left beside the outputs.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == result.outputs.map { String($0.dropFirst(4)) }.sorted())
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json"))) as? [String: Any]
        #expect(summary?["seconds"] as? Double == input.audio.durationSeconds)
        let entries = summary?["sources"] as? [[String: Any]] ?? []
        #expect(entries.count == 3 && entries.filter { $0["file"] == nil }.count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spills.path).isEmpty)
    }
}
