import Foundation
import Testing
import TandemCore
import TandemMedia
@testable import TandemNodes

/// The lip-assistance nodes through the graph: face-track → mouth-roi → lip-activity on a video of
/// the astronaut whose mouth moves for part of the clip; av-enhance → whisper → assign-speakers with
/// the embedded Whisper model; and the whole pipeline on bad inputs.
@Suite(.serialized) struct TalkingHeadNodeTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let model = packageRoot.appendingPathComponent("Models/whisper-tiny.en").path
    static let clip = Bundle.module.url(forResource: "Fixtures/whisper/clip1", withExtension: "wav")!
    static let reference = "The quick brown fox jumped over the lazy dog."

    /// 50 frames at 25 fps of the astronaut (scikit-image's photograph, 256×256 gray) with a dark
    /// mouth gap opening and closing at 5 Hz on frames 15–34, written as H.264.
    static func astronautVideo(_ url: URL) throws {
        let base = try Data(contentsOf: Bundle.module.url(forResource: "Fixtures/talking-head/astronaut_256x256", withExtension: "gray")!)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let writer = try VideoFileWriter(url: url, width: 256, height: 256, frameRate: Rational(25, 1), preset: "ultrafast")
        for i in 0..<50 {
            var gray = [UInt8](base)
            let open = (15..<35).contains(i) ? Int((3 + 3 * sin(2 * .pi * 5 * Double(i) / 25)).rounded()) : 0
            for y in 72..<(72 + open) { for x in 104..<122 { gray[y * 256 + x] = 20 } }
            let rgb = gray.flatMap { [$0, $0, $0] }
            try writer.write(VideoFrame(layout: .rgb24, width: 256, height: 256, stride: 768, bytes: SharedArray(rgb), pts: Int64(i),
                                        timeBase: Rational(1, 25), frameIndex: i, seconds: Double(i) / 25))
        }
        try writer.finish()
    }

    func segments(_ packets: [Packet]) -> [Segment] {
        packets.flatMap { (p: Packet) -> [Segment] in if case .segments(let s) = p { return s } else { return [] } }
    }

    func transcript(_ packets: [Packet]) -> [TranscriptSegment] {
        packets.flatMap { (p: Packet) -> [TranscriptSegment] in if case .transcript(let s) = p { return s } else { return [] } }
    }

    @Test func lipsGiveTheSpeakingStretchOfTheFace() throws {
        var harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let video = harness.root.appendingPathComponent("in/astronaut.mp4")
        try Self.astronautVideo(video)
        try harness.add("decode", "decode", ["layout": .string("gray8")])
        try harness.add("faces", "face-track", ["redetect_interval": .int(25), "confirmation_frames": .int(0)])
        try harness.add("mouths", "mouth-roi")
        try harness.add("lips", "lip-activity")
        try harness.connect("decode.video", to: "faces.video")
        try harness.connect("decode.video", to: "mouths.video")
        try harness.connect("faces.faces", to: "mouths.faces")
        try harness.connect("decode.video", to: "lips.video")
        try harness.connect("mouths.mouths", to: "lips.mouths")
        let faces = try harness.collect("c-faces", from: "faces.faces")
        let crops = try harness.collect("c-crops", from: "mouths.crops")
        let speech = try harness.collect("c-speech", from: "lips.speech")
        let visible = try harness.collect("c-visible", from: "lips.visible")
        let openings = try harness.collect("c-openings", from: "lips.openings")
        _ = try harness.run(on: video)
        #expect(faces.packets.count == 50)
        #expect(crops.packets.allSatisfy { if case .tensor(let t) = $0 { t.shape == [1, 88, 88] } else { false } })
        #expect(!crops.packets.isEmpty)
        let spoken = segments(speech.packets).filter { $0.label == "face0" }
        #expect(spoken.count == 1, "\(segments(speech.packets))")
        if let s = spoken.first { #expect(s.start > 0.2 && s.start < 0.65 && s.end > 1.35 && s.end < 1.8, "\(s)") }
        let onScreen = segments(visible.packets)
        #expect(onScreen.count == 1 && onScreen.first?.start == 0 && (onScreen.first?.end ?? 0) > 1.9, "\(onScreen)")
        // One opening per frame the mouth was seen; it swings while the gap opens and closes, and stays put before.
        let opening = segments(openings.packets).filter { $0.label == "face0" }
        #expect(opening.count == 50, "\(opening.count)")
        func swing(_ frames: Range<Int>) -> Double {
            let values = opening.filter { frames.contains(Int(($0.start * 25).rounded())) }.map(\.score)
            return (values.max() ?? 0) - (values.min() ?? 0)
        }
        #expect(swing(15..<35) > 3 * swing(2..<14), "\(swing(15..<35)) against \(swing(2..<14))")
    }

    /// av-fusion → whisper → assign-speakers on clip1 with given lip stretches (nil: no lip input).
    func fuse(_ audio: AudioBuffer, lips: [Segment]?) throws -> (transcript: [TranscriptSegment], notes: [Segment]) {
        var harness = GraphHarness()
        try harness.graph.add("audio", AudioSource(buffer: audio))
        try harness.add("fusion", "av-fusion")
        try harness.add("whisper", "whisper", ["model": .string(Self.model), "beam_size": .int(1), "best_of": .int(1)])
        try harness.add("speakers", "assign-speakers")
        try harness.connect("audio.audio", to: "fusion.audio")
        if let lips {
            try harness.graph.add("lips", SegmentSource(segments: lips))
            try harness.connect("lips.segments", to: "fusion.lips")
            try harness.connect("lips.segments", to: "speakers.lips")
        }
        try harness.connect("fusion.audio", to: "whisper.audio")
        try harness.connect("fusion.windows", to: "whisper.segments")
        try harness.connect("fusion.speech", to: "speakers.speech")
        try harness.connect("fusion.notes", to: "speakers.notes")
        try harness.connect("whisper.transcript", to: "speakers.transcript")
        let text = try harness.collect("c-text", from: "speakers.transcript")
        let notes = try harness.collect("c-notes", from: "speakers.notes")
        _ = try harness.run(on: Self.clip)
        return (transcript(text.packets), segments(notes.packets))
    }

    @Test func speechIsNamedAfterTheMovingLipsElseOffScreen() throws {
        let clip = try AudioReader(url: Self.clip).readAll()
        let duration = clip.durationSeconds
        let spoken = try fuse(clip, lips: [Segment(start: 0, end: duration, label: "face1", score: 0.9)])
        #expect(spoken.transcript.map(\.text).joined().lowercased().contains("lazy dog"), "\(spoken.transcript)")
        #expect(!spoken.transcript.isEmpty && spoken.transcript.allSatisfy { $0.speaker == "face1" })
        #expect(spoken.transcript.flatMap { $0.words ?? [] }.allSatisfy { $0.speaker == "face1" })

        // The face on screen listens (its lips never move): the words are kept, said off-screen.
        let offCamera = try fuse(clip, lips: [])
        #expect(offCamera.transcript.map(\.text).joined().lowercased().contains("lazy dog"), "\(offCamera.transcript)")
        #expect(offCamera.transcript.allSatisfy { $0.speaker == "off-screen" })
        #expect(offCamera.notes.contains { $0.label.contains("off-screen") && $0.label.contains("words") }, "\(offCamera.notes)")

        // Noise only, with lips moving throughout (a listener mouthing along): nothing is written.
        var generator = SplitMix64(seed: 7)
        let noise = (0..<48_000).map { _ in Float.random(in: -0.05...0.05, using: &generator) }
        let quiet = try fuse(AudioBuffer(sampleRate: 16_000, channelLayout: "mono", firstSample: 0, channels: [SharedArray(noise)]),
                             lips: [Segment(start: 0.5, end: 2.5, label: "face0", score: 0.9)])
        #expect(quiet.transcript.isEmpty, "\(quiet.transcript)")
    }

    /// Both transcription pipelines keep a word 0.1 s of which lies in speech (`word_overlap`): Whisper times an
    /// utterance's first word from the silence before it and a last word on into the pause after it, and the
    /// middle rule alone dropped those words (`SpeechFusionTests` holds the rule itself).
    @Test func bothTranscriptionPipelinesKeepWordsByTheirOverlap() throws {
        for name in ["transcribe-talking-head", "transcribe"] {
            let pipeline = try Pipeline.load(contentsOf: Self.packageRoot.appendingPathComponent("Pipelines/\(name).yaml"), catalog: .standard)
            let speakers = pipeline.nodes.filter { $0.kind == "assign-speakers" }
            #expect(speakers.count == 1, "\(name)")
            #expect(speakers.allSatisfy { $0.parameters.double("word_overlap") == 0.1 }, "\(name)")
        }
    }

    /// The pipeline (tiny.en, greedy) on one input; its transcript text, JSON and notes.
    func runPipeline(_ file: URL, as name: String, in root: URL, overrides: [(String, String)] = []) throws -> (text: String, json: String, notes: String) {
        let pipeline = try Pipeline.load(contentsOf: Self.packageRoot.appendingPathComponent("Pipelines/transcribe-talking-head.yaml"), catalog: .standard,
                                         overrides: [("model", Self.model), ("beam_size", "1"), ("language", "en")] + overrides)
        _ = try GraphExecution(try pipeline.makeGraph(catalog: .standard), input: InputFile(url: file, relativePath: name),
                               outputDirectory: root.appendingPathComponent("out")).run()
        let out = root.appendingPathComponent("out/talking-head")
        let stem = (name as NSString).deletingPathExtension
        return (try String(contentsOf: out.appendingPathComponent(stem + ".txt"), encoding: .utf8),
                try String(contentsOf: out.appendingPathComponent(stem + ".json"), encoding: .utf8),
                try String(contentsOf: out.appendingPathComponent(stem + ".notes.json"), encoding: .utf8))
    }

    /// `listen: speech` with `stitch`: the fusion's speech regions decoded stitched together (the 10 s of
    /// silence between them never reaches Whisper), every word back on the file's clock on its own side of the gap.
    @Test func stitchedSpeechRegionsKeepTheWordsOnTheirSideOfTheGap() throws {
        let harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let (file, gap) = try VADNodeTests.speechGapSpeech(in: harness.root)
        for stitch in ["true", "false"] {
            let result = try runPipeline(file, as: "gap-\(stitch).wav", in: harness.root, overrides: [("listen", "speech"), ("stitch", stitch)])
            let json = try JSONSerialization.jsonObject(with: Data(result.json.utf8)) as! [String: Any]
            let words = (json["segments"] as! [[String: Any]]).flatMap { $0["words"] as! [[String: Any]] }
            let text = words.map { ($0["word"] as! String).lowercased() }.joined()
            #expect(text.components(separatedBy: "lazy").count == 3, "stitch \(stitch): \(text)")
            let starts = words.map { $0["start"] as! Double }
            #expect(!starts.contains { $0 > gap.lowerBound + 0.5 && $0 < gap.upperBound - 0.5 }, "stitch \(stitch): words inside the silence: \(text)")
            let before = words.filter { ($0["start"] as! Double) < gap.lowerBound }.map { ($0["word"] as! String).lowercased() }.joined()
            #expect(before.contains("quick") && before.contains("lazy"), "stitch \(stitch): \(before)")
        }
    }

    /// Bad input through the whole pipeline: each gives a note and a sensible transcript, never a failure.
    @Test func noVideoStreamTranscribesOffScreen() throws {
        let harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let result = try runPipeline(Self.clip, as: "clip1.wav", in: harness.root)
        #expect(result.text.lowercased().contains("lazy dog"), "\(result.text)")
        #expect(result.json.contains("\"speaker\" : \"off-screen\""), "\(result.json)")
        #expect(result.notes.contains("no video frames") && result.notes.contains("no readable face"), "\(result.notes)")
    }

    @Test func noAudioStreamGivesAnEmptyTranscriptAndANote() throws {
        let harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let video = harness.root.appendingPathComponent("in/video.mp4")
        try MediaSamples.video(video, frames: 5)
        let result = try runPipeline(video, as: "video.mp4", in: harness.root)
        #expect(result.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        #expect(result.notes.contains("no audio stream"), "\(result.notes)")
    }

    @Test func silentAudioTrackGivesAnEmptyTranscriptAndANote() throws {
        let harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let silent = harness.root.appendingPathComponent("in/silent.wav")
        try FileManager.default.createDirectory(at: silent.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AudioFileWriter.write(AudioBuffer(sampleRate: 16_000, channelLayout: "mono", firstSample: 0,
                                              channels: [SharedArray([Float](repeating: 0, count: 48_000))]), to: silent)
        let result = try runPipeline(silent, as: "silent.wav", in: harness.root)
        #expect(result.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        #expect(result.notes.contains("silent"), "\(result.notes)")
    }

    /// The vision nodes on a video, with clip1's audio fed beside them: no face, or a face seen briefly.
    func transcribe(video: URL, audio: AudioBuffer) throws -> (transcript: [TranscriptSegment], notes: [Segment]) {
        var harness = GraphHarness()
        try harness.add("decode", "decode", ["layout": .string("gray8")])
        try harness.add("faces", "face-track")
        try harness.add("mouths", "mouth-roi")
        try harness.add("lips", "lip-activity")
        try harness.graph.add("audio", AudioSource(buffer: audio))
        try harness.add("fusion", "av-fusion")
        try harness.add("whisper", "whisper", ["model": .string(Self.model), "beam_size": .int(1), "best_of": .int(1)])
        try harness.add("speakers", "assign-speakers")
        try harness.connect("decode.video", to: "faces.video")
        try harness.connect("decode.video", to: "mouths.video")
        try harness.connect("faces.faces", to: "mouths.faces")
        try harness.connect("decode.video", to: "lips.video")
        try harness.connect("mouths.mouths", to: "lips.mouths")
        try harness.connect("audio.audio", to: "fusion.audio")
        try harness.connect("lips.speech", to: "fusion.lips")
        try harness.connect("lips.visible", to: "fusion.visible")
        try harness.connect("lips.notes", to: "fusion.notes")
        try harness.connect("fusion.audio", to: "whisper.audio")
        try harness.connect("fusion.windows", to: "whisper.segments")
        try harness.connect("fusion.speech", to: "speakers.speech")
        try harness.connect("lips.speech", to: "speakers.lips")
        try harness.connect("fusion.notes", to: "speakers.notes")
        try harness.connect("whisper.transcript", to: "speakers.transcript")
        let text = try harness.collect("c-text", from: "speakers.transcript")
        let notes = try harness.collect("c-notes", from: "speakers.notes")
        _ = try harness.run(on: video)
        return (transcript(text.packets), segments(notes.packets))
    }

    @Test func noFaceAndABriefFaceAreNotedAndTheSpeechKept() throws {
        let harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let clip = try AudioReader(url: Self.clip).readAll()
        let frames = Int(clip.durationSeconds * 25) + 1

        let blank = harness.root.appendingPathComponent("in/blank.mp4")
        try MediaSamples.video(blank, frames: frames, fps: 25, width: 128, height: 96)
        let noFace = try transcribe(video: blank, audio: clip)
        #expect(noFace.transcript.map(\.text).joined().lowercased().contains("lazy dog"), "\(noFace.transcript)")
        #expect(noFace.transcript.allSatisfy { $0.speaker == "off-screen" })
        #expect(noFace.notes.contains { $0.label.contains("no readable face") || $0.label.contains("no face") }, "\(noFace.notes.map(\.label))")

        // The astronaut for 8 frames (a third of a second), then an empty gray picture.
        let brief = harness.root.appendingPathComponent("in/brief.mp4")
        let base = try Data(contentsOf: Bundle.module.url(forResource: "Fixtures/talking-head/astronaut_256x256", withExtension: "gray")!)
        let writer = try VideoFileWriter(url: brief, width: 256, height: 256, frameRate: Rational(25, 1), preset: "ultrafast")
        for i in 0..<frames {
            let gray = i < 8 ? [UInt8](base) : [UInt8](repeating: 128, count: 256 * 256)
            try writer.write(VideoFrame(layout: .rgb24, width: 256, height: 256, stride: 768, bytes: SharedArray(gray.flatMap { [$0, $0, $0] }),
                                        pts: Int64(i), timeBase: Rational(1, 25), frameIndex: i, seconds: Double(i) / 25))
        }
        try writer.finish()
        let briefly = try transcribe(video: brief, audio: clip)
        #expect(briefly.transcript.map(\.text).joined().lowercased().contains("lazy dog"), "\(briefly.transcript)")
        #expect(briefly.transcript.allSatisfy { $0.speaker == "off-screen" })
        #expect(!briefly.notes.isEmpty, "\(briefly.notes.map(\.label))")
    }
}
