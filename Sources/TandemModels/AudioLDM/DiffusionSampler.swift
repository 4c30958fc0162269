import Foundation
import TandemNN

/// One denoising run's sampler: the timesteps it visits and the update from a noise prediction to the
/// next, less noisy latents — diffusers' `DDIMScheduler` (eta 0, or with variance noise) and
/// `DPMSolverMultistepScheduler` (DPM-Solver++ 2M), computed from the checkpoint's noise schedule.
///
/// A sampler is a value for one run: create it for the step count, then call `step` for consecutive
/// positions (from 0, or from a later position when a variation starts part-way); DPM-Solver keeps the
/// previous prediction.
public struct DiffusionSampler: Sendable {
    public let kind: DiffusionSamplerKind
    /// The timesteps visited, noisiest first.
    public let timesteps: [Int]
    private let alphasCumulative: [Double]
    /// DDIM: ᾱ used after the last timestep (1 when `set_alpha_to_one`, else ᾱ_0).
    private let finalAlphaCumulative: Double
    /// DDIM: the timestep stride diffusers steps back by.
    private let stride: Int
    /// DPM-Solver: σ_t = √((1 − ᾱ)/ᾱ) at each visited timestep, then 0.
    private let sigmas: [Double]
    private var previousPrediction: Tensor?
    /// The position of the previous step, whose prediction `previousPrediction` is.
    private var previousPosition: Int?

    /// - Parameters:
    ///   - kind: the sampler; nil uses the one the configuration names.
    ///   - steps: the number of denoising steps (1 … the training timesteps).
    public init(configuration: DiffusionSchedulerConfiguration, kind: DiffusionSamplerKind? = nil, steps: Int) throws {
        let trainSteps = configuration.trainTimesteps
        guard steps >= 1, steps <= trainSteps else {
            throw AudioLDMError(.invalidRequest, "steps \(steps) must be between 1 and \(trainSteps)")
        }
        let kind = kind ?? DiffusionSamplerKind(className: configuration.className) ?? .ddim
        self.kind = kind
        let alphas = configuration.alphasCumulative
        alphasCumulative = alphas
        finalAlphaCumulative = configuration.setAlphaToOne ? 1 : alphas[0]
        stride = trainSteps / steps
        switch kind {
        case .ddim:
            timesteps = Self.ddimTimesteps(steps: steps, trainSteps: trainSteps, spacing: configuration.timestepSpacing,
                                           offset: configuration.stepsOffset)
            sigmas = []
        case .dpmSolverPlusPlus2M:
            timesteps = Self.dpmTimesteps(steps: steps, trainSteps: trainSteps, spacing: configuration.timestepSpacing,
                                          offset: configuration.stepsOffset)
            sigmas = timesteps.map { t in ((1 - alphas[t]) / alphas[t]).squareRoot() } + [0]
        }
    }

    /// diffusers' `DDIMScheduler.set_timesteps`.
    static func ddimTimesteps(steps: Int, trainSteps: Int, spacing: String, offset: Int) -> [Int] {
        switch spacing {
        case "linspace":
            return (0..<steps).reversed().map { i in
                Int((Double(i) * Double(trainSteps - 1) / Double(max(steps - 1, 1))).rounded(.toNearestOrEven))
            }
        case "trailing":
            let ratio = Double(trainSteps) / Double(steps)
            return (0..<steps).map { i in Int((Double(trainSteps) - Double(i) * ratio).rounded(.toNearestOrEven)) - 1 }
        default:  // leading
            let ratio = trainSteps / steps
            return (0..<steps).reversed().map { $0 * ratio + offset }
        }
    }

    /// diffusers' `DPMSolverMultistepScheduler.set_timesteps` (no clipped λ): steps + 1 points, the last (0) dropped.
    static func dpmTimesteps(steps: Int, trainSteps: Int, spacing: String, offset: Int) -> [Int] {
        switch spacing {
        case "linspace":
            return (1...steps).reversed().map { i in
                Int((Double(i) * Double(trainSteps - 1) / Double(steps)).rounded(.toNearestOrEven))
            }
        case "trailing":
            let ratio = Double(trainSteps) / Double(steps)
            return (0..<steps).map { i in Int((Double(trainSteps) - Double(i) * ratio).rounded(.toNearestOrEven)) - 1 }
        default:  // leading
            let ratio = trainSteps / (steps + 1)
            return (1...steps).reversed().map { $0 * ratio + offset }
        }
    }

    /// The starting latents' scale: 1 for both samplers (diffusers' `init_noise_sigma`).
    public var initialNoiseScale: Float { 1 }

    /// `original` noised to timestep `timesteps[at]`: √ᾱ·x + √(1−ᾱ)·ε (DPM-Solver: α_σ·x + σ·α_σ·ε, the same value).
    public func addingNoise(to original: Tensor, noise: Tensor, at position: Int) -> Tensor {
        let (signal, noiseScale): (Double, Double)
        switch kind {
        case .ddim:
            let alpha = alphasCumulative[timesteps[position]]
            (signal, noiseScale) = (alpha.squareRoot(), (1 - alpha).squareRoot())
        case .dpmSolverPlusPlus2M:
            let (alpha, sigma) = Self.alphaSigma(sigmas[position])
            (signal, noiseScale) = (alpha, sigma)
        }
        return original.scaled(by: Float(signal)) + noise.scaled(by: Float(noiseScale))
    }

    /// The next latents from the guided noise prediction ε at the timestep at `position`.
    /// - Parameter varianceNoise: DDIM with eta > 0 only: the fresh Gaussian noise of the stochastic part.
    public mutating func step(noisePrediction epsilon: Tensor, sample: Tensor, at position: Int, eta: Float = 0,
                              varianceNoise: Tensor? = nil) -> Tensor {
        precondition(timesteps.indices.contains(position), "position \(position) is outside the \(timesteps.count) timesteps")
        switch kind {
        case .ddim: return ddimStep(epsilon, sample, position: position, eta: Double(eta), varianceNoise: varianceNoise)
        case .dpmSolverPlusPlus2M: return dpmStep(epsilon, sample, position: position)
        }
    }

    private func ddimStep(_ epsilon: Tensor, _ sample: Tensor, position: Int, eta: Double, varianceNoise: Tensor?) -> Tensor {
        let t = timesteps[position]
        let previous = t - stride
        let alpha = alphasCumulative[t]
        let alphaPrevious = previous >= 0 ? alphasCumulative[previous] : finalAlphaCumulative
        // x̂0 = (x − √(1−ᾱ)·ε)/√ᾱ
        let original = (sample - epsilon.scaled(by: Float((1 - alpha).squareRoot()))).scaled(by: Float(1 / alpha.squareRoot()))
        let variance = (1 - alphaPrevious) / (1 - alpha) * (1 - alpha / alphaPrevious)
        let deviation = eta * variance.squareRoot()
        var next = original.scaled(by: Float(alphaPrevious.squareRoot()))
            + epsilon.scaled(by: Float((1 - alphaPrevious - deviation * deviation).squareRoot()))
        if eta > 0, let varianceNoise { next = next + varianceNoise.scaled(by: Float(deviation)) }
        return next
    }

    /// DPM-Solver's σ at a timestep position (0 after the last).
    func sigma(at position: Int) -> Double { sigmas[position] }

    static func alphaSigma(_ sigma: Double) -> (Double, Double) {
        let alpha = 1 / (sigma * sigma + 1).squareRoot()
        return (alpha, sigma * alpha)
    }

    private mutating func dpmStep(_ epsilon: Tensor, _ sample: Tensor, position: Int) -> Tensor {
        let (alphaS0, sigmaS0) = Self.alphaSigma(sigmas[position])
        let (alphaT, sigmaT) = Self.alphaSigma(sigmas[position + 1])
        // The data prediction x̂0 = (x − σ·ε)/α is what DPM-Solver++ extrapolates.
        let prediction = (sample - epsilon.scaled(by: Float(sigmaS0))).scaled(by: Float(1 / alphaS0))
        // The previous prediction counts only if it was made at the position just before this one.
        let previous = previousPosition == position - 1 ? previousPrediction : nil
        defer { (previousPrediction, previousPosition) = (prediction, position) }
        let lambdaS0 = log(alphaS0) - log(sigmaS0)
        // The last step goes to σ = 0 (λ = ∞): first order, x = x̂0, as diffusers does with a zero final sigma.
        guard sigmaT > 0 else { return prediction }
        let lambdaT = log(alphaT) - log(sigmaT)
        let h = lambdaT - lambdaS0
        let decay = Float(alphaT * (exp(-h) - 1))
        var next = sample.scaled(by: Float(sigmaT / sigmaS0)) - prediction.scaled(by: decay)
        if let previous {
            let (alphaS1, sigmaS1) = Self.alphaSigma(sigmas[position - 1])
            let r = (lambdaS0 - (log(alphaS1) - log(sigmaS1))) / h
            // Midpoint second-order correction: −½·α_t(e^−h − 1)·(x̂0 − x̂0_prev)/r.
            next = next - (prediction - previous).scaled(by: 0.5 * decay / Float(r))
        }
        return next
    }
}
