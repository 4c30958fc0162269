import Foundation
import Testing
import TandemNN
@testable import TandemModels

/// Fixtures from `Tools/fixtures/make_silero_vad_fixtures.py` and the model `make models` installs.
enum SileroVADFixtures {
    static var directory: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures/silero-vad") }

    static func reference() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("reference.json"))) as! [String: Any]
    }

    static func wav(_ name: String) throws -> [Float] {
        try pcm16WAVSamples(Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static var modelDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Models/silero-vad")
    }

    /// The installed model; records a failure telling how to get it when absent.
    static func model() throws -> SileroVAD? {
        guard FileManager.default.fileExists(atPath: modelDirectory.appendingPathComponent(SileroVAD.fileName).path) else {
            Issue.record("\(modelDirectory.path) is missing: run `make models` (make test installs it)")
            return nil
        }
        return try SileroVAD(directory: modelDirectory)
    }

    static func options(_ json: [String: Any]) -> VADOptions {
        var options = VADOptions()
        if let value = json["threshold"] as? Double { options.threshold = Float(value) }
        if let value = json["neg_threshold"] as? Double { options.negativeThreshold = Float(value) }
        if let value = json["min_speech_duration_ms"] as? Int { options.minSpeechDurationMs = value }
        if let value = json["max_speech_duration_s"] as? Double { options.maxSpeechDurationSeconds = value }
        if let value = json["min_silence_duration_ms"] as? Int { options.minSilenceDurationMs = value }
        if let value = json["speech_pad_ms"] as? Int { options.speechPadMs = value }
        return options
    }

    static func spans(_ json: Any?) -> [Range<Int>] {
        (json as! [[Int]]).map { $0[0]..<$0[1] }
    }
}

@Suite("Silero VAD")
struct SileroVADTests {
    @Test("Speech probabilities per 512-sample chunk equal onnxruntime's within 1e-4")
    func probabilitiesMatchOnnxRuntime() throws {
        guard let model = try SileroVADFixtures.model() else { return }
        let clips = try SileroVADFixtures.reference()["clips"] as! [[String: Any]]
        #expect(clips.count == 4)
        for clip in clips {
            let name = clip["name"] as! String
            let samples = try SileroVADFixtures.wav(name + ".wav")
            #expect(samples.count == clip["sample_count"] as! Int)
            let expected = (clip["probabilities"] as! [Double]).map(Float.init)
            let found = model.speechProbabilities(samples)
            #expect(found.count == expected.count, "\(name)")
            let worst = zip(found, expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= 1e-4, "\(name): largest difference \(worst)")
            // The clips must exercise both decisions, or the comparison proves little.
            #expect(expected.contains { $0 > 0.8 } && expected.contains { $0 < 0.2 } || name.contains("0db"), "\(name)")
        }
    }

    @Test("Streaming in uneven pieces gives the whole-signal probabilities")
    func streamingMatchesWhole() throws {
        guard let model = try SileroVADFixtures.model() else { return }
        let samples = try SileroVADFixtures.wav("speech_pauses.wav")
        let whole = model.speechProbabilities(samples)
        var stream = SileroVADStream(model: model)
        var pieces: [Float] = []
        var start = 0
        for size in [1, 100, 511, 512, 513, 4000, 17, 30000] where start < samples.count {
            let end = min(samples.count, start + size)
            pieces += stream.process(Array(samples[start..<end]))
            start = end
        }
        pieces += stream.process(Array(samples[start...]))
        pieces += stream.finish()
        #expect(pieces.count == whole.count)
        // Not bit-equal: OpenBLAS blocks a GEMM differently for different batch sizes.
        let worst = zip(pieces, whole).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-5, "largest difference \(worst)")
        // After finish the stream starts over: the same signal gives the same answer.
        #expect(stream.process(samples) + stream.finish() == whole)
    }

    @Test("Speech timestamps equal faster-whisper's get_speech_timestamps on the clips, default and other options")
    func timestampsMatchFasterWhisperOnClips() throws {
        guard let model = try SileroVADFixtures.model() else { return }
        let clips = try SileroVADFixtures.reference()["clips"] as! [[String: Any]]
        for clip in clips {
            let name = clip["name"] as! String
            let reference = (clip["probabilities"] as! [Double]).map(Float.init)
            let count = clip["sample_count"] as! Int
            let ours = model.speechProbabilities(try SileroVADFixtures.wav(name + ".wav"))
            for entry in clip["timestamps"] as! [[String: Any]] {
                let options = SileroVADFixtures.options(entry["options"] as! [String: Any])
                let expected = SileroVADFixtures.spans(entry["spans"])
                #expect(SpeechTimestamps.compute(probabilities: reference, sampleCount: count, options: options) == expected,
                        "\(name) \(options)")
                // End to end, from our own probabilities.
                #expect(SpeechTimestamps.compute(probabilities: ours, sampleCount: count, options: options) == expected,
                        "\(name) \(options) from Swift probabilities")
            }
        }
    }

    @Test("Speech timestamps equal faster-whisper's on synthetic probability sequences")
    func timestampsMatchFasterWhisperOnSequences() throws {
        let sequences = try SileroVADFixtures.reference()["synthetic"] as! [[String: Any]]
        #expect(sequences.count >= 10)
        var spanCount = 0
        for (index, sequence) in sequences.enumerated() {
            let probabilities = (sequence["probabilities"] as! [Double]).map(Float.init)
            let options = SileroVADFixtures.options(sequence["options"] as! [String: Any])
            let expected = SileroVADFixtures.spans(sequence["spans"])
            spanCount += expected.count
            let found = SpeechTimestamps.compute(probabilities: probabilities, sampleCount: sequence["sample_count"] as! Int, options: options)
            #expect(found == expected, "sequence \(index), \(options)")
        }
        #expect(spanCount > 20)
    }

    @Test("Spans decided while the probabilities stream in equal the batch spans")
    func trackerMatchesBatch() throws {
        let reference = try SileroVADFixtures.reference()
        var cases: [(probabilities: [Float], count: Int, options: VADOptions, expected: [Range<Int>])] = []
        for clip in reference["clips"] as! [[String: Any]] {
            for entry in clip["timestamps"] as! [[String: Any]] {
                cases.append(((clip["probabilities"] as! [Double]).map(Float.init), clip["sample_count"] as! Int,
                              SileroVADFixtures.options(entry["options"] as! [String: Any]), SileroVADFixtures.spans(entry["spans"])))
            }
        }
        for sequence in reference["synthetic"] as! [[String: Any]] {
            cases.append(((sequence["probabilities"] as! [Double]).map(Float.init), sequence["sample_count"] as! Int,
                          SileroVADFixtures.options(sequence["options"] as! [String: Any]), SileroVADFixtures.spans(sequence["spans"])))
        }
        var decidedEarly = 0
        for (index, item) in cases.enumerated() {
            var tracker = SpeechTimestampTracker(options: item.options)
            var spans: [Range<Int>] = []
            // Whole chunks in uneven pieces; the last (zero-padded) chunk goes to finish with the true length.
            let whole = item.probabilities.dropLast()
            var start = 0, piece = 1
            while start < whole.count {
                let end = min(whole.count, start + piece)
                spans += tracker.append(Array(whole[start..<end]))
                start = end
                piece = piece * 3 % 17 + 1
            }
            decidedEarly += spans.count
            spans += tracker.finish([item.probabilities.last!], sampleCount: item.count)
            #expect(spans == item.expected, "case \(index), \(item.options)")
        }
        #expect(decidedEarly > 10, "spans should be handed out before the end")
    }

    @Test("Default options are faster-whisper's")
    func defaults() {
        let options = VADOptions()
        #expect(options.threshold == 0.5 && abs(options.effectiveNegativeThreshold - 0.35) < 1e-6)
        #expect(options.minSpeechDurationMs == 0 && options.maxSpeechDurationSeconds == .infinity)
        #expect(options.minSilenceDurationMs == 2000 && options.speechPadMs == 400)
        #expect(VADOptions(threshold: 0.1).effectiveNegativeThreshold == 0.01)
    }

    @Test("Collecting spans and mapping stitched times back")
    func collectAndMapBack() {
        let samples = (0..<100).map(Float.init)
        let spans = [10..<20, 50..<60, 90..<100]
        let pieces = SpeechChunks.collect(samples, spans: spans, sampleRate: 10)
        #expect(pieces.count == 1)
        let kept: [Float] = spans.flatMap { span in span.map { Float($0) } }
        #expect(pieces[0].samples == kept)
        let limited = SpeechChunks.collect(samples, spans: spans, sampleRate: 10, maxDuration: 2.5)
        #expect(limited.map(\.samples.count) == [20, 10] && limited[1].offset == 2)
        #expect(SpeechChunks.collect(samples, spans: [], sampleRate: 10).map(\.samples.count) == [0])

        // Stitched at 10 Hz: span 0 is 0–1 s (1 s cut before it), span 1 is 1–2 s (4 s cut before), span 2 is 2–3 s (7 s).
        let map = SpeechTimestampsMap(chunks: spans, sampleRate: 10)
        #expect(map.chunkEndSample == [10, 20, 30])
        #expect(map.totalSilenceBefore == [1, 4, 7])
        #expect(map.originalTime(0.5) == 1.5)
        #expect(map.originalTime(1.5) == 5.5)
        // A time on a span's stitched end belongs to the next span, unless it is an end.
        #expect(map.originalTime(1.0) == 5.0)
        #expect(map.originalTime(1.0, isEnd: true) == 2.0)
        #expect(map.originalTime(2.5, chunkIndex: 0) == 3.5)
        #expect(map.originalTime(9) == 16)
    }
}
