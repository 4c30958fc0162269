import Foundation
import Testing
import TandemNN
@testable import TandemModels

@Suite struct AudioLDMSamplerTests {
    static func configuration() throws -> DiffusionSchedulerConfiguration {
        try DiffusionSchedulerConfiguration(url: AudioLDMFixture.pipelineURL().appendingPathComponent("scheduler/scheduler_config.json"))
    }

    static func ints(_ key: String) throws -> [Int] { try AudioLDMFixture.reference(key).scalars.map { Int($0) } }

    @Test func timestepsAreDiffusers() throws {
        let configuration = try Self.configuration()
        #expect(try DiffusionSampler(configuration: configuration, steps: 3).timesteps == Self.ints("pipeline.timesteps"))
        #expect(try DiffusionSampler(configuration: configuration, kind: .dpmSolverPlusPlus2M, steps: 4).timesteps == Self.ints("dpm.timesteps"))
        // Variation at strength 0.6 of 5 steps runs the last 3.
        #expect(try Array(DiffusionSampler(configuration: configuration, steps: 5).timesteps.suffix(3)) == Self.ints("variation.timesteps"))
        // The published AudioLDM schedule at 10 steps: leading spacing, offset 1.
        #expect(try DiffusionSampler(configuration: configuration, steps: 10).timesteps == [901, 801, 701, 601, 501, 401, 301, 201, 101, 1])
    }

    @Test func alphasFollowTheScaledLinearSchedule() throws {
        let alphas = try Self.configuration().alphasCumulative
        #expect(alphas.count == 1000)
        // β_0 = 0.0015 exactly, and ᾱ falls monotonically.
        #expect(abs(alphas[0] - (1 - 0.0015)) < 1e-12)
        #expect(zip(alphas, alphas.dropFirst()).allSatisfy { $0 > $1 })
    }

    @Test func ddimWithAPerfectNoisePredictionRecoversTheSignal() throws {
        // If ε is exactly the noise that was added, DDIM's x̂0 is the clean signal at every step and the
        // last step (to ᾱ_0) returns it up to the final ᾱ's own noise level.
        let configuration = try Self.configuration()
        var sampler = try DiffusionSampler(configuration: configuration, steps: 4)
        var generator = GaussianNoise(seed: 3)
        let clean = generator.tensor(shape: [1, 2, 3, 4])
        let noise = generator.tensor(shape: [1, 2, 3, 4])
        var latents = sampler.addingNoise(to: clean, noise: noise, at: 0)
        for position in sampler.timesteps.indices {
            latents = sampler.step(noisePrediction: noise, sample: latents, at: position)
        }
        let alpha0 = configuration.alphasCumulative[0]
        let expected = clean.scaled(by: Float(alpha0.squareRoot())) + noise.scaled(by: Float((1 - alpha0).squareRoot()))
        #expect(Tensor.relativeDifference(latents, expected) < 1e-5)
    }

    @Test func dpmSolverWithAPerfectNoisePredictionEndsOnTheSignal() throws {
        var sampler = try DiffusionSampler(configuration: Self.configuration(), kind: .dpmSolverPlusPlus2M, steps: 6)
        var generator = GaussianNoise(seed: 4)
        let clean = generator.tensor(shape: [1, 2, 3, 4])
        let noise = generator.tensor(shape: [1, 2, 3, 4])
        var latents = sampler.addingNoise(to: clean, noise: noise, at: 0)
        for position in sampler.timesteps.indices {
            // The noise that makes `latents` = α·clean + σ·ε at this step's σ.
            let (alpha, sigma) = DiffusionSampler.alphaSigma(sampler.sigma(at: position))
            let epsilon = (latents - clean.scaled(by: Float(alpha))).scaled(by: Float(1 / sigma))
            latents = sampler.step(noisePrediction: epsilon, sample: latents, at: position)
        }
        #expect(Tensor.relativeDifference(latents, clean) < 1e-5)
    }

    @Test func unsupportedSchedulersAreRefusedNamingTheFileAndField() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-scheduler-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (json, field) in [(#"{"_class_name": "EulerDiscreteScheduler"}"#, "_class_name"),
                              (#"{"_class_name": "DDIMScheduler", "prediction_type": "v_prediction"}"#, "prediction_type"),
                              (#"{"_class_name": "DDIMScheduler", "beta_schedule": "squaredcos_cap_v2"}"#, "beta_schedule"),
                              (#"{"_class_name": "DPMSolverMultistepScheduler", "solver_order": 3}"#, "solver_order")] {
            let url = folder.appendingPathComponent("scheduler_config.json")
            try Data(json.utf8).write(to: url)
            #expect {
                try DiffusionSchedulerConfiguration(url: url)
            } throws: { error in
                let text = "\(error)"
                return text.contains(url.path) && text.contains(field)
            }
        }
    }

    @Test func noiseIsReproduciblePerSeedAndStream() {
        var a = GaussianNoise(seed: 7, stream: 2), b = GaussianNoise(seed: 7, stream: 2), c = GaussianNoise(seed: 7, stream: 3)
        let x = a.tensor(shape: [4096]), y = b.tensor(shape: [4096]), z = c.tensor(shape: [4096])
        #expect(x == y)
        #expect(x != z)
        let values = x.scalars
        let mean = values.reduce(0, +) / Float(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count)
        #expect(abs(mean) < 0.05 && abs(variance - 1) < 0.06)
    }
}
