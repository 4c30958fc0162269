import Foundation
import Testing
import TandemCore
import TandemMedia
@testable import TandemNodes

/// Test sources: a buffer of audio in chunks, and a list of frames, as `decode` would emit them.
struct AudioSource: Node {
    static let descriptor = NodeDescriptor(kind: "audio-source", doc: "test source", outputs: [PortSpec("audio", .audio)])
    let buffer: AudioBuffer
    var position = 0
    let chunk = 4096

    mutating func produce(output: NodeOutput) throws -> Bool {
        guard position < buffer.frameCount else { return false }
        let end = min(buffer.frameCount, position + chunk)
        try output.emit(.audio(AudioBuffer(sampleRate: buffer.sampleRate, channelLayout: buffer.channelLayout,
                                           firstSample: buffer.firstSample + Int64(position),
                                           channels: buffer.channels.map { SharedArray(Array($0.array[position..<end])) })))
        position = end
        return true
    }
}

struct FrameSource: Node {
    static let descriptor = NodeDescriptor(kind: "frame-source", doc: "test source", outputs: [PortSpec("video", .video)])
    let frames: [VideoFrame]
    var next = 0

    mutating func produce(output: NodeOutput) throws -> Bool {
        guard next < frames.count else { return false }
        try output.emit(.video(frames[next]))
        next += 1
        return true
    }
}

/// Two players: the left panel flashes with 440 Hz notes, the right one with 1320 Hz notes, at different times.
enum TwoPlayers {
    static let rate = 11_025, fps = 25, seconds = 4.0
    /// Note onsets (seconds) of each player; each note lasts 0.2 s.
    static let left: [Double] = [0.1, 0.9, 1.3, 2.5, 3.3]
    static let right: [Double] = [0.5, 1.7, 2.1, 2.9, 3.7]

    static func playing(_ onsets: [Double], at t: Double) -> Bool { onsets.contains { t >= $0 && t < $0 + 0.2 } }

    static func audio(silent: Bool = false) -> AudioBuffer {
        let count = Int(seconds * Double(rate))
        let samples = (0..<count).map { i -> Float in
            let t = Double(i) / Double(rate)
            if silent { return 0 }
            var v = 0.0
            if playing(left, at: t) { v += 0.4 * sin(2 * .pi * 440 * t) }
            if playing(right, at: t) { v += 0.4 * sin(2 * .pi * 1320 * t) }
            return Float(v)
        }
        return AudioBuffer(sampleRate: rate, channelLayout: "mono", firstSample: 0, channels: [SharedArray(samples)])
    }

    /// 96×48 gray frames: a bright square in a panel while its player plays.
    static func frames() -> [VideoFrame] {
        (0..<Int(seconds * Double(fps))).map { index in
            let t = Double(index) / Double(fps)
            var pixels = [UInt8](repeating: 30, count: 96 * 48)
            for (onsets, x0) in [(left, 12), (right, 60)] where playing(onsets, at: t) {
                for y in 12..<36 { for x in x0..<(x0 + 24) { pixels[y * 96 + x] = 230 } }
            }
            return VideoFrame(layout: .gray8, width: 96, height: 48, stride: 96, bytes: SharedArray(pixels), pts: Int64(index),
                              timeBase: Rational(1, Int64(fps)), frameIndex: index, seconds: t)
        }
    }

    /// Energy of `samples` at `frequency` (a single DFT bin).
    static func energy(_ samples: [Float], at frequency: Double) -> Double {
        var re = 0.0, im = 0.0
        for (i, v) in samples.enumerated() {
            let phase = 2 * .pi * frequency * Double(i) / Double(rate)
            re += Double(v) * cos(phase)
            im += Double(v) * sin(phase)
        }
        return re * re + im * im
    }
}

@Suite(.serialized) struct SeparateNodeTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func run(audio: AudioBuffer?, frames: [VideoFrame]?, parameters: [String: ParameterValue] = [:])
        throws -> (packets: [String: [Packet]], harness: GraphHarness) {
        var harness = GraphHarness()
        try harness.add("separate", "separate", parameters)
        if let audio {
            try harness.graph.add("audio", AudioSource(buffer: audio))
            try harness.connect("audio.audio", to: "separate.audio")
        }
        if let frames {
            try harness.graph.add("video", FrameSource(frames: frames))
            try harness.connect("video.video", to: "separate.video")
        }
        var boxes: [String: PacketCollector.Box] = [:]
        for port in ["sources", "regions", "image", "notes"] { boxes[port] = try harness.collect("c-\(port)", from: "separate.\(port)") }
        _ = try harness.run(on: harness.root.appendingPathComponent("in.mp4"))
        return (boxes.mapValues(\.packets), harness)
    }

    func segments(_ packets: [Packet]?) -> [Segment] {
        (packets ?? []).flatMap { (p: Packet) -> [Segment] in if case .segments(let s) = p { return s } else { return [] } }
    }

    @Test func eachPanelGetsItsOwnNote() throws {
        let (packets, _) = try run(audio: TwoPlayers.audio(), frames: TwoPlayers.frames(), parameters: ["sources": .string("2")])
        let regions = segments(packets["regions"])
        let sources = packets["sources"]?.audio ?? []
        try #require(regions.count == 2 && sources.count == 2, "\(regions)")
        // Each region carries its box; the left one (x < 48) must carry the 440 Hz notes.
        for (region, source) in zip(regions, sources) {
            let box = try #require(region.region?.box, "\(regions)")
            #expect(region.region?.silent == false && region.label == region.region?.label)
            let x = box.x, width = box.width
            let samples = source.channels[0].array
            #expect(samples.count == TwoPlayers.audio().frameCount)
            let low = TwoPlayers.energy(samples, at: 440), high = TwoPlayers.energy(samples, at: 1320)
            if x + width / 2 < 48 { #expect(low > 4 * high, "\(region.label): 440 Hz \(low), 1320 Hz \(high)") } else {
                #expect(high > 4 * low, "\(region.label): 440 Hz \(low), 1320 Hz \(high)")
            }
            #expect((0...1).contains(region.score))
        }
        let image = try #require(packets["image"]?.first)
        if case .image(let picture) = image { #expect(picture.width > 800 && picture.height > 3 * 160) }
        #expect(segments(packets["notes"]).isEmpty)
    }

    /// TwoPlayers plus a third panel that moves all the time to a beat of its own and makes no sound.
    static func framesWithSilentMover(still: Bool = false) -> [VideoFrame] {
        TwoPlayers.frames().map { frame in
            var pixels = [UInt8](repeating: 30, count: 144 * 48)
            let source = frame.bytes.array
            for y in 0..<48 { for x in 0..<96 { pixels[y * 144 + x] = source[y * 96 + x] } }
            // A conductor's hand: up and down every 0.16 s, whatever the players do.
            let y0 = (frame.frameIndex / 4) % 2 == 0 ? 6 : 22
            for y in y0..<(y0 + 20) { for x in 108..<128 { pixels[y * 144 + x] = 200 } }
            if still { pixels = [UInt8](repeating: 0, count: 144 * 48).indices.map { UInt8(($0 * 37) % 251) } }
            return VideoFrame(layout: .gray8, width: 144, height: 48, stride: 144, bytes: SharedArray(pixels), pts: frame.pts,
                              timeBase: frame.timeBase, frameIndex: frame.frameIndex, seconds: frame.seconds)
        }
    }

    @Test func motionWithoutSoundTakesNoSound() throws {
        let (packets, _) = try run(audio: TwoPlayers.audio(), frames: Self.framesWithSilentMover())
        let regions = segments(packets["regions"])
        let sources = packets["sources"]?.audio ?? []
        try #require(regions.count == 3, "\(regions)")
        let silent = regions.filter { $0.region?.silent == true }
        try #require(silent.count == 1, "\(regions)")
        // The silent one is the mover on the right; its packet is silence (write-sources gives it no file), the players get theirs.
        #expect(try #require(silent[0].region?.box).x >= 96)
        try #require(sources.count == 3)
        let index = try #require(regions.firstIndex { $0.region?.silent == true })
        #expect(sources[index].channels[0].array.allSatisfy { $0 == 0 })
        #expect(segments(packets["notes"]).contains { $0.label.contains("made no sound") })
    }

    @Test func regionsFromTheUserAreUsedAsGiven() throws {
        let (packets, _) = try run(audio: TwoPlayers.audio(), frames: TwoPlayers.frames(), parameters: ["regions": .string("0,0,48,48;48,0,48,48")])
        let regions = segments(packets["regions"])
        #expect(regions.map(\.label) == ["region0", "region1"])
        #expect(regions.map(\.region?.box) == [PictureRegion.Box(x: 0, y: 0, width: 48, height: 48), PictureRegion.Box(x: 48, y: 0, width: 48, height: 48)])
        let sources = packets["sources"]?.audio ?? []
        try #require(sources.count == 2)
        let left = sources[0].channels[0].array
        #expect(TwoPlayers.energy(left, at: 440) > 4 * TwoPlayers.energy(left, at: 1320))
    }

    /// More boxes than players (a duet given five): every box is listed with its packet, the players keep
    /// their own sound, and the notes name the boxes where nothing moves (and, when the motion explains the
    /// sound of fewer boxes than given, say how many).
    @Test func moreRegionsGivenThanPlayersAreListedAndNoted() throws {
        let boxes = "0,0,48,48;48,0,48,48;96,0,12,48;104,0,32,48;132,0,12,48"
        let (packets, _) = try run(audio: TwoPlayers.audio(), frames: Self.framesWithSilentMover(), parameters: ["regions": .string(boxes)])
        let regions = segments(packets["regions"])
        let sources = packets["sources"]?.audio ?? []
        try #require(regions.count == 5 && sources.count == 5, "\(regions)")
        let left = sources[0].channels[0].array, right = sources[1].channels[0].array
        #expect(TwoPlayers.energy(left, at: 440) > 4 * TwoPlayers.energy(left, at: 1320))
        #expect(TwoPlayers.energy(right, at: 1320) > 4 * TwoPlayers.energy(right, at: 440))
        let notes = segments(packets["notes"]).map(\.label)
        #expect(notes.contains { $0.contains("nothing moves in the given region(s) region2, region4") }, "\(notes)")
        let sounding = regions.filter { $0.region?.silent == false }.count
        if sounding < 5 { #expect(notes.contains { $0.contains("5 regions given, but the motion explains the sound of only \(sounding)") }, "\(notes)") }
    }

    /// Frames decoded smaller than the video still say the video's size: regions are given and reported in
    /// the video's pixels, and one outside it fails the input, naming it, with no file opened for the size.
    @Test func regionsAreInTheVideosPixelsTheFramesCarry() throws {
        let halfSize = TwoPlayers.frames().map { frame in
            var frame = frame
            (frame.sourceWidth, frame.sourceHeight) = (2 * frame.width, 2 * frame.height)
            return frame
        }
        let (packets, _) = try run(audio: TwoPlayers.audio(), frames: halfSize, parameters: ["regions": .string("0,0,96,96;96,0,96,96")])
        let regions = segments(packets["regions"])
        #expect(regions.map(\.region?.box) == [PictureRegion.Box(x: 0, y: 0, width: 96, height: 96), PictureRegion.Box(x: 96, y: 0, width: 96, height: 96)])
        let left = try #require(packets["sources"]?.audio.first).channels[0].array
        #expect(TwoPlayers.energy(left, at: 440) > 4 * TwoPlayers.energy(left, at: 1320))

        // At a scale that does not divide the boxes (frames a fifth of the video), they are still reported as given.
        let fifth = TwoPlayers.frames().map { frame in
            var frame = frame
            (frame.sourceWidth, frame.sourceHeight) = (5 * frame.width, 5 * frame.height)
            return frame
        }
        let (uneven, _) = try run(audio: TwoPlayers.audio(), frames: fifth, parameters: ["regions": .string("3,2,238,237;243,1,237,238")])
        #expect(segments(uneven["regions"]).map(\.region?.box) == [PictureRegion.Box(x: 3, y: 2, width: 238, height: 237),
                                                                  PictureRegion.Box(x: 243, y: 1, width: 237, height: 238)])

        let error = try #require(throws: (any Error).self) {
            _ = try run(audio: TwoPlayers.audio(), frames: halfSize, parameters: ["regions": .string("0,0,96,96;150,0,60,60")])
        }
        #expect("\(error)".contains("in.mp4") && "\(error)".contains("outside the 192×96 frame"), "\(error)")
    }

    @Test func malformedRegionsAreRefusedAtValidation() throws {
        for bad in ["1,2,3", "0,0,-4,10", "a,b,c,d", "0,0,10,0"] {
            #expect(!SeparateNode.problems(in: try NodeParameters(["regions": .string(bad)], for: SeparateNode.descriptor)).isEmpty, "\(bad)")
        }
        #expect(SeparateNode.problems(in: try NodeParameters(["regions": .string("0,0,10,10; 10,0,10,10")], for: SeparateNode.descriptor)).isEmpty)
        #expect(MotionGuidedSeparation.problems(with: [.init(x: 90, y: 0, width: 20, height: 10)], width: 96, height: 48).count == 1)
        #expect(MotionGuidedSeparation.problems(with: [.init(x: 76, y: 0, width: 20, height: 48)], width: 96, height: 48).isEmpty)
    }

    @Test func stillPictureFallsBackToAudioOnlyAndSaysSo() throws {
        let (packets, _) = try run(audio: TwoPlayers.audio(), frames: Self.framesWithSilentMover(still: true))
        #expect(packets["sources"]?.audio.count == 2)
        #expect(segments(packets["notes"]).contains { $0.label.contains("nothing moves") })
    }

    /// A still picture whose first frames settle (an encoder refining it, a flicker): the change is no
    /// player, and the separation falls back to audio only instead of giving the mixture to one region.
    @Test func stillPictureThatSettlesFallsBackToAudioOnly() throws {
        let frames = Self.framesWithSilentMover(still: true).map { frame in
            guard frame.frameIndex < 3 else { return frame }
            var pixels = frame.bytes.array
            for y in 10..<30 { for x in 20..<60 { pixels[y * 144 + x] &+= UInt8(40 * (3 - frame.frameIndex)) } }
            return VideoFrame(layout: .gray8, width: 144, height: 48, stride: 144, bytes: SharedArray(pixels), pts: frame.pts,
                              timeBase: frame.timeBase, frameIndex: frame.frameIndex, seconds: frame.seconds)
        }
        let (packets, _) = try run(audio: TwoPlayers.audio(), frames: frames)
        let regions = segments(packets["regions"])
        #expect(regions.count == 2 && regions.allSatisfy { $0.region?.box == nil }, "\(regions)")
        #expect(segments(packets["notes"]).contains { $0.label.contains("nothing moves") })
    }

    @Test func onePlayerGetsOneSource() throws {
        // Only the left player plays (and moves); the right panel never changes.
        let frames = TwoPlayers.frames().map { frame in
            var pixels = frame.bytes.array
            for y in 0..<48 { for x in 48..<96 { pixels[y * 96 + x] = 30 } }
            return VideoFrame(layout: .gray8, width: 96, height: 48, stride: 96, bytes: SharedArray(pixels), pts: frame.pts,
                              timeBase: frame.timeBase, frameIndex: frame.frameIndex, seconds: frame.seconds)
        }
        let rate = TwoPlayers.rate
        let samples = (0..<Int(TwoPlayers.seconds * Double(rate))).map { i -> Float in
            let t = Double(i) / Double(rate)
            return TwoPlayers.playing(TwoPlayers.left, at: t) ? Float(0.4 * sin(2 * .pi * 440 * t)) : 0
        }
        let audio = AudioBuffer(sampleRate: rate, channelLayout: "mono", firstSample: 0, channels: [SharedArray(samples)])
        let (packets, _) = try run(audio: audio, frames: frames)
        #expect(segments(packets["regions"]).count == 1)
        #expect(packets["sources"]?.audio.count == 1)
        #expect(segments(packets["notes"]).contains { $0.label.contains("one moving region") })
    }

    @Test func moreSourcesThanPlayersLeavesTheExtraSilentAndSaysSo() throws {
        let (packets, _) = try run(audio: TwoPlayers.audio(), frames: TwoPlayers.frames(), parameters: ["sources": .string("4")])
        let regions = segments(packets["regions"])
        let sources = packets["sources"]?.audio ?? []
        #expect(regions.count >= 2)
        // One packet per region; those left silent carry silence.
        #expect(sources.count == regions.count)
        #expect(regions.filter { $0.region?.silent == false }.count >= 2)
        #expect(segments(packets["notes"]).contains { $0.label.contains("asked for 4 sources") })
    }

    @Test func audioOnlyFallsBackAndSaysSo() throws {
        let (packets, _) = try run(audio: TwoPlayers.audio(), frames: nil)
        let regions = segments(packets["regions"])
        #expect(regions.map(\.label) == ["source0", "source1"])
        #expect(regions.allSatisfy { $0.region != nil && $0.region?.box == nil })
        #expect(packets["sources"]?.audio.count == 2)
        #expect(segments(packets["notes"]).contains { $0.label.contains("audio-only fallback") })
    }

    @Test func silenceGivesSilentSources() throws {
        let (packets, _) = try run(audio: TwoPlayers.audio(silent: true), frames: TwoPlayers.frames(), parameters: ["sources": .string("2")])
        let sources = packets["sources"]?.audio ?? []
        #expect(sources.count == 2)
        for source in sources { #expect(source.channels[0].array.allSatisfy { $0 == 0 }) }
        #expect(segments(packets["notes"]).contains { $0.label.contains("the recording is silent") })
    }

    @Test func badSourceCountIsRefused() throws {
        #expect(throws: NodeError.self) { try NodeCatalog.standard.make("separate", parameters: NodeParameters(["sources": .string("many")], for: SeparateNode.descriptor)) }
        #expect(throws: NodeError.self) { try NodeCatalog.standard.make("separate", parameters: NodeParameters(["grid": .string("2by2")], for: SeparateNode.descriptor)) }
    }

    /// An MP3 with cover art separates as audio only: the still picture is not taken for players, and decode says so.
    @Test func coverArtIsNotVideo() throws {
        let harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let pipeline = try Pipeline.load(contentsOf: Self.packageRoot.appendingPathComponent("Pipelines/separate-instruments.yaml"), catalog: .standard)
        let mp3 = Self.packageRoot.appendingPathComponent("Tests/TandemMediaTests/Fixtures/cover_art.mp3")
        let result = try GraphExecution(try pipeline.makeGraph(catalog: .standard), input: InputFile(url: mp3, relativePath: "cover_art.mp3"),
                                        outputDirectory: harness.root.appendingPathComponent("out")).run()
        #expect(result.warnings.contains { $0.hasPrefix("decode: no video stream") }, "\(result.warnings)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: harness.root.appendingPathComponent("out/separated/cover_art/summary.json"))) as? [String: Any]
        #expect(summary?["mode"] as? String == "audio-only")
    }

    /// `tandem separate` runs the pipeline file, whose `params` spell out the separator's settings so that `--set`
    /// can reach them; a default changed in Swift alone would never reach the command, so the two must agree.
    @Test func pipelineSpellsTheNodesDefaults() throws {
        let pipeline = try Pipeline.load(contentsOf: Self.packageRoot.appendingPathComponent("Pipelines/separate-instruments.yaml"), catalog: .standard)
        let separate = try #require(pipeline.nodes.first { $0.kind == "separate" })
        for spec in SeparateNode.descriptor.parameters {
            guard let expected = spec.defaultValue, let given = separate.parameters.values[spec.name] else { continue }
            switch (expected, given) {
            case let (.double(a), .double(b)):
                #expect(abs(a - b) <= 1e-6 * max(1, abs(a)), "\(spec.name): the pipeline gives \(b), the node's default is \(a)")
            default:
                #expect(expected == given, "\(spec.name): the pipeline gives \(given), the node's default is \(expected)")
            }
        }
    }

    /// The pipeline over files: an audio-only WAV (fallback, every output written), silence, and a video-only file.
    @Test func separateInstrumentsPipeline() throws {
        let harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let pipeline = try Pipeline.load(contentsOf: Self.packageRoot.appendingPathComponent("Pipelines/separate-instruments.yaml"), catalog: .standard)
        func run(_ file: URL) throws -> GraphExecution.Result {
            try GraphExecution(try pipeline.makeGraph(catalog: .standard), input: InputFile(url: file, relativePath: file.lastPathComponent),
                               outputDirectory: harness.root.appendingPathComponent("out")).run()
        }
        let tone = harness.root.appendingPathComponent("in/tone.wav")
        try MediaSamples.tone(tone, seconds: 1, rate: 22_050)
        let result = try run(tone)
        #expect(result.outputs == ["masks.png", "source0.wav", "source1.wav", "summary.json"].map { "separated/tone/\($0)" })
        let out = harness.root.appendingPathComponent("out/separated/tone")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any]
        #expect(summary?["mode"] as? String == "audio-only")
        #expect((summary?["notes"] as? [String])?.contains { $0.contains("no video stream") } == true)
        // decode skipped the missing stream (missing_video: skip) and says so in the run's warnings.
        #expect(result.warnings.contains { $0.hasPrefix("decode: no video stream") }, "\(result.warnings)")
        let written = try AudioReader(url: out.appendingPathComponent("source0.wav")).readAll()
        #expect(written.sampleRate == 22_050 && written.channelCount == 2 && written.frameCount == 22_050)

        let silence = harness.root.appendingPathComponent("in/silence.wav")
        try AudioFileWriter.write(AudioBuffer(sampleRate: 8000, channelLayout: "mono", firstSample: 0,
                                              channels: [SharedArray(repeating: 0, count: 8000)]), to: silence)
        _ = try run(silence)
        let quiet = try JSONSerialization.jsonObject(with: Data(contentsOf: harness.root.appendingPathComponent("out/separated/silence/summary.json"))) as? [String: Any]
        let levels = (quiet?["sources"] as? [[String: Any]])?.compactMap { $0["rms"] as? Double } ?? []
        #expect(levels == [0, 0])

        let video = harness.root.appendingPathComponent("in/video.mp4")
        try MediaSamples.video(video, frames: 5)
        #expect { try run(video) } throws: { "\($0)".contains("no audio stream") }

        // An audio stream without samples is told apart from a video-only file.
        let empty = harness.root.appendingPathComponent("in/empty.wav")
        try AudioFileWriter.write(AudioBuffer(sampleRate: 8000, channelLayout: "mono", firstSample: 0, channels: [SharedArray([Float]())]), to: empty)
        #expect { try run(empty) } throws: {
            "\($0)".contains("empty.wav: its pcm_") && "\($0)".contains("audio stream gave no samples") && !"\($0)".contains("video-only")
        }
    }

    /// Players whose regions are small in the frames received (6 cells of 4 pixels) are analysed again from the file
    /// at twice the size, with a note, and their regions still come back in the video's pixels; `rescale` off keeps
    /// the frames received.
    @Test func smallPlayersAreAnalysedAgainLarger() throws {
        let harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let video = harness.root.appendingPathComponent("in/players.mp4")
        try FileManager.default.createDirectory(at: video.deletingLastPathComponent(), withIntermediateDirectories: true)
        let writer = try VideoFileWriter(url: video, width: 96, height: 48, frameRate: Rational(Int64(TwoPlayers.fps), 1), preset: "ultrafast",
                                         audio: VideoFileWriter.AudioTrack())
        let rate = 22_050
        let samples = (0..<Int(TwoPlayers.seconds * Double(rate))).map { i -> Float in
            let t = Double(i) / Double(rate)
            return Float((TwoPlayers.playing(TwoPlayers.left, at: t) ? 0.4 * sin(2 * .pi * 440 * t) : 0)
                         + (TwoPlayers.playing(TwoPlayers.right, at: t) ? 0.4 * sin(2 * .pi * 1320 * t) : 0))
        }
        try writer.write(AudioBuffer(sampleRate: rate, channelLayout: "mono", firstSample: 0, channels: [SharedArray(samples)]))
        for frame in TwoPlayers.frames() {
            let rgb = frame.bytes.array.flatMap { [$0, $0, $0] }
            try writer.write(VideoFrame(layout: .rgb24, width: 96, height: 48, stride: 96 * 3, bytes: SharedArray(rgb), pts: frame.pts,
                                        timeBase: frame.timeBase, frameIndex: frame.frameIndex, seconds: frame.seconds))
        }
        try writer.finish()
        func notes(rescale: String) throws -> (notes: [String], boxes: [[String: Any]]) {
            let pipeline = try Pipeline.load(yaml: """
                version: 1
                nodes:
                  - {id: decode, kind: decode, params: {sampling: fps, fps: 25, layout: gray8, resize: shorter-side, side: 48}}
                  - {id: separate, kind: separate, params: {sources: 2, rescale: \(rescale), fps: 25}, inputs: {audio: decode.audio, video: decode.video}}
                sinks:
                  - {id: sources, kind: write-sources, params: {folder: "\(rescale)"}, inputs: {regions: separate.regions, sources: separate.sources, notes: separate.notes}}
                """, file: "rescale.yaml", catalog: .standard)
            _ = try GraphExecution(try pipeline.makeGraph(catalog: .standard), input: InputFile(url: video, relativePath: "players.mp4"),
                                   outputDirectory: harness.root.appendingPathComponent("out")).run()
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: harness.root.appendingPathComponent("out/\(rescale)/summary.json"))) as? [String: Any]
            return ((summary?["notes"] as? [String]) ?? [], ((summary?["sources"] as? [[String: Any]]) ?? []).compactMap { $0["region"] as? [String: Any] })
        }
        let larger = try notes(rescale: "auto")
        #expect(larger.notes.contains { $0.contains("small at 96×48 pixels") && $0.contains("analysed again at 192×96") }, "\(larger.notes)")
        // The squares' boxes, in the video's pixels: one on each side of the picture.
        let centres = larger.boxes.compactMap { box -> Int? in
            guard let x = box["x"] as? Int, let width = box["width"] as? Int else { return nil }
            return x + width / 2
        }.sorted()
        #expect(centres.count == 2 && centres[0] < 48 && centres[1] >= 48, "\(larger.boxes)")
        let received = try notes(rescale: "off")
        #expect(!received.notes.contains { $0.contains("analysed again") }, "\(received.notes)")
    }

    /// With decode's `missing_audio: skip`, a video-only file reaches the separator, which says what the file lacks.
    @Test func videoOnlyFileIsNamedAsSuch() throws {
        let harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let pipeline = try Pipeline.load(yaml: """
            version: 1
            nodes:
              - {id: decode, kind: decode, params: {missing_audio: skip, layout: gray8}}
              - {id: separate, kind: separate, inputs: {audio: decode.audio, video: decode.video}}
            sinks:
              - {id: regions, kind: write-json, params: {path: "regions.json"}, inputs: {in: separate.regions}}
            """, file: "video-only.yaml", catalog: .standard)
        let video = harness.root.appendingPathComponent("in/video.mp4")
        try MediaSamples.video(video, frames: 5)
        #expect {
            try GraphExecution(try pipeline.makeGraph(catalog: .standard), input: InputFile(url: video, relativePath: "video.mp4"),
                               outputDirectory: harness.root.appendingPathComponent("out")).run()
        } throws: { "\($0)".contains("separate: video.mp4 has no audio stream (a video-only file); nothing to separate") }
    }
}
