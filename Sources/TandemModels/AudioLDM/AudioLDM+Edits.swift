import Foundation
import TandemNN

/// What one generation asks for; the defaults are diffusers' `AudioLDMPipeline` defaults.
public struct AudioGenerationSettings: Sendable, Hashable {
    public var prompt: String
    /// What to steer away from; nil is the empty prompt (plain classifier-free guidance).
    public var negativePrompt: String?
    public var steps = 10
    /// Classifier-free guidance scale; ≤ 1 runs the prompt alone (one UNet pass per step instead of two).
    public var guidance: Float = 2.5
    public var seed: UInt64 = 0
    /// nil: the sampler the checkpoint's scheduler_config.json names.
    public var sampler: DiffusionSamplerKind?
    /// DDIM's stochasticity (0: deterministic DDIM).
    public var eta: Float = 0

    public init(prompt: String, negativePrompt: String? = nil) {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
    }
}

/// One generated clip.
public struct GeneratedClip: Sendable {
    /// Mono samples at the model's sample rate.
    public var samples: [Float]
    /// The denoised latents, before decoding.
    public var latents: Tensor
    /// Which candidate of the seed this is (its noise stream).
    public var candidate: Int
}

extension AudioLDM {
    /// Noise streams of one seed: each candidate draws its starting latents, its re-injection noise and its
    /// DDIM variance noise from separate streams, so changing one setting does not reshuffle the others.
    enum NoiseStream: UInt64 { case start = 0, reinjection = 1, variance = 2 }

    /// - Parameter segment: which segment of a long clip (each draws its own noise).
    static func noise(_ settings: AudioGenerationSettings, candidate: Int, segment: Int = 0, _ stream: NoiseStream) -> GaussianNoise {
        GaussianNoise(seed: settings.seed, stream: (UInt64(candidate) << 24 | UInt64(segment)) << 2 | stream.rawValue)
    }

    func sampler(_ settings: AudioGenerationSettings) throws -> DiffusionSampler {
        try DiffusionSampler(configuration: schedulerConfiguration, kind: settings.sampler, steps: settings.steps)
    }

    /// Text to audio: `seconds` of sound from the prompt.
    /// - Parameters:
    ///   - initialLatents: the starting noise; nil draws it from the seed and candidate.
    ///   - progress: (step done, steps) after every denoising step.
    ///   - segment: which segment of a longer clip this is (its own noise).
    public func generate(_ settings: AudioGenerationSettings, seconds: Double, candidate: Int = 0, segment: Int = 0,
                         initialLatents: Tensor? = nil, progress: (Int, Int) -> Void = { _, _ in }) throws -> GeneratedClip {
        guard seconds > 0, seconds.isFinite else { throw AudioLDMError(.invalidRequest, "duration \(seconds) s must be positive") }
        let (shape, samples) = latentShape(seconds: seconds)
        guard shape[2] > 0 else {
            throw AudioLDMError(.invalidRequest, "duration \(seconds) s is shorter than one latent frame")
        }
        var sampler = try sampler(settings)
        var start = Self.noise(settings, candidate: candidate, segment: segment, .start)
        let latents = initialLatents ?? start.tensor(shape: shape).scaled(by: sampler.initialNoiseScale)
        var variance = Self.noise(settings, candidate: candidate, segment: segment, .variance)
        let conditioning = conditioning(prompt: settings.prompt, negativePrompt: settings.negativePrompt, guided: settings.guidance > 1)
        let denoised = try denoise(latents, conditioning: conditioning, guidance: settings.guidance, sampler: &sampler,
                                   eta: settings.eta, noise: &variance, progress: progress)
        return GeneratedClip(samples: Array(decode(denoised).waveform.prefix(samples)), latents: denoised, candidate: candidate)
    }

    // MARK: Variation

    /// Audio to audio: the clip's latents noised to `strength` (0: unchanged … 1: pure noise) and
    /// denoised with the settings' prompt, as diffusers' img2img pipelines do — the last
    /// ⌊steps · strength⌋ of the schedule's steps run.
    /// - Parameter samples: mono, at `sampleRate`.
    public func variation(of samples: [Float], _ settings: AudioGenerationSettings, strength: Double, candidate: Int = 0, segment: Int = 0,
                          progress: (Int, Int) -> Void = { _, _ in }) throws -> GeneratedClip {
        let input = try prepared(samples)
        var noise = Self.noise(settings, candidate: candidate, segment: segment, .start)
        let latents = try variation(knownLatents: input.latents, noise: noise.tensor(shape: input.latents.shape), settings,
                                    strength: strength, candidate: candidate, segment: segment, progress: progress)
        let waveform = decode(latents).waveform.prefix(samples.count)
        return GeneratedClip(samples: Array(waveform), latents: latents, candidate: candidate)
    }

    /// The denoised latents of a variation of `knownLatents` (scaled VAE latents) given its noise.
    public func variation(knownLatents: Tensor, noise: Tensor, _ settings: AudioGenerationSettings, strength: Double,
                          candidate: Int = 0, segment: Int = 0, progress: (Int, Int) -> Void = { _, _ in }) throws -> Tensor {
        guard (0...1).contains(strength) else { throw AudioLDMError(.invalidRequest, "strength \(strength) must be between 0 and 1") }
        var sampler = try sampler(settings)
        let steps = sampler.timesteps.count
        let start = steps - Int(Double(steps) * strength)
        guard start < steps else {
            throw AudioLDMError(.invalidRequest, "strength \(strength) × \(steps) steps leaves no step to run; raise either")
        }
        let noisy = sampler.addingNoise(to: knownLatents, noise: noise, at: start)
        var variance = Self.noise(settings, candidate: candidate, segment: segment, .variance)
        let conditioning = conditioning(prompt: settings.prompt, negativePrompt: settings.negativePrompt, guided: settings.guidance > 1)
        return try denoise(noisy, conditioning: conditioning, guidance: settings.guidance, sampler: &sampler, start: start,
                           eta: settings.eta, noise: &variance, progress: progress)
    }

    // MARK: Inpainting

    /// Regenerates `range` (seconds) of the clip from the prompt and keeps the rest: after every step
    /// the latents outside the range are replaced by the clip's own latents noised to the next timestep
    /// (the clean latents after the last), as the AudioLDM paper does; the waveform then takes the new
    /// audio inside the range with 20 ms equal-power cross-fades at its edges and the clip elsewhere.
    public func inpaint(_ samples: [Float], range: Range<Double>, _ settings: AudioGenerationSettings, candidate: Int = 0,
                        progress: (Int, Int) -> Void = { _, _ in }) throws -> GeneratedClip {
        let duration = Double(samples.count) / Double(sampleRate)
        guard range.lowerBound >= 0, range.upperBound <= duration + 1e-9, !range.isEmpty else {
            throw AudioLDMError(.invalidRequest, "the range \(range.lowerBound)–\(range.upperBound) s is not inside the clip's \(String(format: "%.3f", duration)) s")
        }
        let input = try prepared(samples)
        let rowSeconds = Double(vocoder.hopLength * autoencoder.downsamplingFactor) / Double(sampleRate)
        let rowCount = input.latents.shape[2]
        let rows = min(Int(range.lowerBound / rowSeconds), rowCount - 1)..<min(Int((range.upperBound / rowSeconds).rounded(.up)), rowCount)
        var start = Self.noise(settings, candidate: candidate, .start)
        var reinjection = Self.noise(settings, candidate: candidate, .reinjection)
        let latents = try inpaint(knownLatents: input.latents, rows: rows, initialLatents: start.tensor(shape: input.latents.shape),
                                  noise: reinjection.tensor(shape: input.latents.shape), settings, candidate: candidate, progress: progress)
        // Back to the clip's own level and offset, then spliced in.
        let generated = decode(latents).waveform.map { $0 / input.gain + input.offset }
        let spliced = Self.splice(samples, generated, range: range, sampleRate: sampleRate, fade: 0.020)
        return GeneratedClip(samples: spliced, latents: latents, candidate: candidate)
    }

    /// The denoised latents of an inpainting of `knownLatents` that regenerates latent `rows`.
    public func inpaint(knownLatents: Tensor, rows: Range<Int>, initialLatents: Tensor, noise: Tensor, _ settings: AudioGenerationSettings,
                        candidate: Int = 0, progress: (Int, Int) -> Void = { _, _ in }) throws -> Tensor {
        var sampler = try sampler(settings)
        let timestepsSampler = sampler
        let shape = knownLatents.shape
        let (rowCount, width) = (shape[2], shape[3])
        var maskValues = [Float](repeating: 0, count: shape.reduce(1, *))
        for plane in 0..<(shape[0] * shape[1]) {
            for row in rows { for column in 0..<width { maskValues[(plane * rowCount + row) * width + column] = 1 } }
        }
        let mask = Tensor(shape: shape, values: maskValues)
        let keep = Tensor(repeating: 1, shape: shape) - mask
        let steps = sampler.timesteps.count
        var variance = Self.noise(settings, candidate: candidate, .variance)
        let conditioning = conditioning(prompt: settings.prompt, negativePrompt: settings.negativePrompt, guided: settings.guidance > 1)
        return try denoise(initialLatents.scaled(by: sampler.initialNoiseScale), conditioning: conditioning, guidance: settings.guidance,
                           sampler: &sampler, eta: settings.eta, noise: &variance, progress: progress) { latents, position in
            let known = position + 1 == steps ? knownLatents : timestepsSampler.addingNoise(to: knownLatents, noise: noise, at: position + 1)
            return latents * mask + known * keep
        }
    }

    /// `generated` inside `range`, `original` outside, joined by equal-power cross-fades of `fade` seconds
    /// centred on the range's edges (clipped to the clip).
    static func splice(_ original: [Float], _ generated: [Float], range: Range<Double>, sampleRate: Int, fade: Double) -> [Float] {
        let rate = Double(sampleRate)
        let (begin, end) = (Int(range.lowerBound * rate), min(Int(range.upperBound * rate), original.count))
        let half = max(1, Int(fade * rate / 2))
        return original.indices.map { i in
            let inside: Double
            if i < begin - half || i >= end + half {
                inside = 0
            } else if i >= begin + half && i < end - half {
                inside = 1
            } else {
                // Distance into the range from its nearer edge, as a 0…1 ramp across the fade.
                let fromStart = Double(i - (begin - half)) / Double(2 * half)
                let toEnd = Double((end + half) - i) / Double(2 * half)
                inside = min(1, max(0, min(fromStart, toEnd)))
            }
            let g = i < generated.count ? generated[i] : 0
            let angle = inside * .pi / 2
            return Float(cos(angle)) * original[i] + Float(sin(angle)) * g
        }
    }

    // MARK: Input clips

    /// An input clip as the model sees it: offset removed and peak scaled to 0.5 (AudioLDM's
    /// `normalize_wav`), its log-mel cut or padded (with silence) to the latent length, encoded.
    func prepared(_ samples: [Float]) throws -> (latents: Tensor, gain: Float, offset: Float) {
        guard !samples.isEmpty else { throw AudioLDMError(.invalidRequest, "the input clip is empty") }
        let (shape, _) = latentShape(seconds: Double(samples.count) / Double(sampleRate))
        guard shape[2] > 0 else { throw AudioLDMError(.invalidRequest, "the input clip is shorter than one latent frame") }
        let (mean, gain) = AudioLDMMelFrontEnd.normalization(of: samples)
        let offset = Float(mean)
        let logMel = melFrontEnd.logMel(AudioLDMMelFrontEnd.normalizedWaveform(samples))
        let frames = shape[2] * autoencoder.downsamplingFactor
        let fitted: Tensor
        if logMel.shape[0] >= frames {
            fitted = logMel.slice(axis: 0, 0..<frames)
        } else {
            let silence = Tensor(repeating: log(AudioLDMMelFrontEnd.floor), shape: [frames - logMel.shape[0], logMel.shape[1]])
            fitted = Tensor.concatenate([logMel, silence], axis: 0)
        }
        return (encode(logMel: fitted), gain, offset)
    }
}
