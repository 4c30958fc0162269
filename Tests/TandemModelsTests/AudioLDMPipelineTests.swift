import Foundation
import Testing
import TandemNN
@testable import TandemModels

/// The whole AudioLDM against diffusers (`AudioLDMPipeline`) and the fixture script's variation and
/// inpainting references, on the tiny random-weight pipeline of Tools/fixtures/make_audioldm_fixtures.py.
@Suite struct AudioLDMPipelineTests {
    static let model: AudioLDM? = try? AudioLDM(url: AudioLDMFixture.pipelineURL())

    static func loaded() throws -> AudioLDM { try #require(model) }

    static func settings(_ key: String) throws -> (AudioGenerationSettings, [String: Any]) {
        let all = try AudioLDMFixture.settings()
        let group = all[key] as? [String: Any] ?? [:]
        let pipeline = all["pipeline"] as? [String: Any] ?? [:]
        var settings = AudioGenerationSettings(prompt: group["prompt"] as? String ?? pipeline["prompt"] as? String ?? "",
                                               negativePrompt: group["negative_prompt"] as? String ?? pipeline["negative_prompt"] as? String)
        settings.steps = group["steps"] as? Int ?? 3
        settings.guidance = Float(group["guidance"] as? Double ?? 2.5)
        return (settings, group)
    }

    static func close(_ a: Tensor, _ key: String, _ tolerance: Float = 1e-3) throws -> Bool {
        let b = try AudioLDMFixture.reference(key)
        let difference = Tensor.relativeDifference(a.reshaped(b.shape), b)
        if difference > tolerance { Issue.record("\(key): relative difference \(difference)") }
        return difference <= tolerance
    }

    @Test func conditioningIsTheNegativeThenThePromptEmbedding() throws {
        let model = try Self.loaded()
        let (settings, _) = try Self.settings("pipeline")
        let embeds = model.conditioning(prompt: settings.prompt, negativePrompt: settings.negativePrompt, guided: true)
        #expect(try Self.close(embeds, "pipeline.embeds", 1e-4))
    }

    @Test func textToAudioMatchesDiffusersWithDDIM() throws {
        let model = try Self.loaded()
        let (settings, group) = try Self.settings("pipeline")
        let seconds = try #require(group["audio_length_in_s"] as? Double)
        var steps: [Int] = []
        let clip = try model.generate(settings, seconds: seconds, initialLatents: AudioLDMFixture.reference("pipeline.initial_latents")) { done, total in
            steps.append(done)
            #expect(total == 3)
        }
        #expect(steps == [1, 2, 3])
        #expect(try Self.close(clip.latents, "pipeline.final_latents"))
        #expect(try Self.close(Tensor(shape: [1, clip.samples.count], values: clip.samples), "pipeline.audio"))
    }

    @Test func textToAudioMatchesDiffusersWithDPMSolver() throws {
        let model = try Self.loaded()
        var (settings, _) = try Self.settings("dpm")
        let (pipelineSettings, pipeline) = try Self.settings("pipeline")
        settings.prompt = pipelineSettings.prompt
        settings.negativePrompt = pipelineSettings.negativePrompt
        settings.sampler = .dpmSolverPlusPlus2M
        let clip = try model.generate(settings, seconds: try #require(pipeline["audio_length_in_s"] as? Double),
                                      initialLatents: AudioLDMFixture.reference("pipeline.initial_latents"))
        #expect(try Self.close(clip.latents, "dpm.final_latents"))
        #expect(try Self.close(Tensor(shape: [1, clip.samples.count], values: clip.samples), "dpm.audio"))
    }

    @Test func variationMatchesTheReference() throws {
        let model = try Self.loaded()
        let (settings, group) = try Self.settings("variation")
        let known = model.encode(logMel: try AudioLDMFixture.reference("variation.log_mel"))
        #expect(try Self.close(known, "variation.known_latents", 1e-4))
        let latents = try model.variation(knownLatents: known, noise: AudioLDMFixture.reference("variation.noise"), settings,
                                          strength: try #require(group["strength"] as? Double))
        #expect(try Self.close(latents, "variation.final_latents"))
        let decoded = model.decode(latents)
        #expect(try Self.close(decoded.mel, "variation.mel"))
        #expect(try Self.close(Tensor(shape: [1, decoded.waveform.count], values: decoded.waveform), "variation.audio"))
    }

    @Test func inpaintingMatchesTheReference() throws {
        let model = try Self.loaded()
        var (settings, group) = try Self.settings("inpaint")
        let (pipelineSettings, _) = try Self.settings("pipeline")
        settings.prompt = pipelineSettings.prompt
        settings.negativePrompt = pipelineSettings.negativePrompt
        let rows = try #require(group["rows"] as? [Int])
        let latents = try model.inpaint(knownLatents: AudioLDMFixture.reference("variation.known_latents"), rows: rows[0]..<rows[1],
                                        initialLatents: AudioLDMFixture.reference("inpaint.initial_latents"),
                                        noise: AudioLDMFixture.reference("variation.noise"), settings)
        #expect(try Self.close(latents, "inpaint.final_latents"))
        let decoded = model.decode(latents)
        #expect(try Self.close(Tensor(shape: [1, decoded.waveform.count], values: decoded.waveform), "inpaint.audio"))
    }

    @Test func inpaintingKeepsTheClipOutsideTheRange() throws {
        let model = try Self.loaded()
        var settings = AudioGenerationSettings(prompt: "rain")
        settings.steps = 2
        let rate = Double(model.sampleRate)
        let clip = (0..<1600).map { Float(0.3 * sin(Double($0) * 2 * .pi * 440 / rate)) }
        let range = 0.03..<0.06
        let result = try model.inpaint(clip, range: range, settings)
        #expect(result.samples.count == clip.count)
        // Untouched outside the range and its 20 ms cross-fades; new inside.
        let fadeHalf = Int(0.010 * rate)
        let before = 0..<(Int(range.lowerBound * rate) - fadeHalf), after = (Int(range.upperBound * rate) + fadeHalf)..<clip.count
        #expect(before.allSatisfy { result.samples[$0] == clip[$0] } && after.allSatisfy { result.samples[$0] == clip[$0] })
        let inside = (Int(range.lowerBound * rate) + fadeHalf)..<(Int(range.upperBound * rate) - fadeHalf)
        #expect(inside.contains { result.samples[$0] != clip[$0] })
        #expect(throws: AudioLDMError.self) { try model.inpaint(clip, range: 0.05..<0.5, settings) }
    }

    @Test func generationIsReproduciblePerSeedAndCandidate() throws {
        let model = try Self.loaded()
        var settings = AudioGenerationSettings(prompt: "a dog barks")
        settings.steps = 2
        settings.seed = 11
        let a = try model.generate(settings, seconds: 0.01), b = try model.generate(settings, seconds: 0.01)
        let c = try model.generate(settings, seconds: 0.01, candidate: 1)
        // Equal to rounding (a test running meanwhile may change the thread count and the order of sums).
        #expect(zip(a.samples, b.samples).allSatisfy { abs($0 - $1) <= 1e-5 })
        #expect(zip(a.samples, c.samples).contains { abs($0 - $1) > 1e-3 })
        #expect(a.samples.count == Int(0.01 * Double(model.sampleRate)))
    }

    @Test func longClipsAreJoinedSegments() throws {
        let model = try Self.loaded()
        var generator = LongAudioGenerator(model: model, segmentSeconds: 0.02)
        generator.overlapSeconds = 0.004
        let rate = Double(model.sampleRate)
        let ranges = generator.segments(count: Int(0.05 * rate))
        // Each at most a segment, consecutive ones overlapping, together covering the clip.
        #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == Int(0.05 * rate))
        #expect(ranges.allSatisfy { $0.count <= Int(0.02 * rate) })
        #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound > $1.lowerBound })
        var settings = AudioGenerationSettings(prompt: "wind")
        settings.steps = 1
        var reported: [(Int, Int)] = []
        let samples = try generator.generate(settings, seconds: 0.05) { reported.append(($0, $1)) }
        #expect(samples.count == Int(0.05 * rate))
        #expect(reported.last.map { $0.0 == $0.1 } ?? false)
        #expect(reported.count == ranges.count)
        // Cross-fading two constant pieces stays between them.
        let joined = LongAudioGenerator.join([(0..<10, [Float](repeating: 1, count: 10)), (6..<16, [Float](repeating: 0, count: 10))], count: 16)
        #expect(joined.prefix(6).allSatisfy { $0 == 1 } && joined.suffix(6).allSatisfy { $0 == 0 })
        #expect(joined[6...9].allSatisfy { $0 > 0 && $0 < 1 })
    }

    @Test func aMissingCheckpointSaysHowToGetOne() {
        #expect {
            try AudioLDM(url: URL(fileURLWithPath: "/nonexistent/audioldm-s-full-v2"))
        } throws: { error in
            let text = "\(error)"
            return text.contains("/nonexistent/audioldm-s-full-v2") && text.contains("huggingface-cli download cvssp/audioldm-s-full-v2")
                && text.contains("CC BY-NC-SA 4.0")
        }
    }

    @Test func aMissingComponentIsNamed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-audioldm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: AudioLDMFixture.pipelineURL(), to: folder)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("vocoder/model.safetensors"))
        #expect {
            try AudioLDM(url: folder)
        } throws: { error in "\(error)".contains("vocoder") }
    }
}
