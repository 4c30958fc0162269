import Foundation
import TandemNN

/// `scheduler/scheduler_config.json` of a diffusers pipeline: the noise schedule the model was trained
/// with and the sampler it was published with.
///
/// Only the values Tandem computes are accepted; anything else (another beta schedule, thresholding,
/// v-prediction, …) is refused when the pipeline loads rather than silently sampled differently.
public struct DiffusionSchedulerConfiguration: Sendable, Decodable {
    /// The diffusers class named in the file, e.g. `DDIMScheduler`.
    public var className: String
    public var trainTimesteps: Int
    public var betaStart: Double
    public var betaEnd: Double
    public var betaSchedule: String
    public var stepsOffset: Int
    public var setAlphaToOne: Bool
    public var clipSample: Bool
    public var predictionType: String
    public var timestepSpacing: String
    public var thresholding: Bool
    /// DPM-Solver's own settings; Tandem computes diffusers' defaults (dpmsolver++, order 2, midpoint,
    /// no Karras sigmas, a zero final sigma) and refuses the others.
    var algorithmType: String
    var solverOrder: Int
    var solverType: String
    var karrasSigmas: Bool
    var finalSigmasType: String

    enum CodingKeys: String, CodingKey {
        case className = "_class_name", trainTimesteps = "num_train_timesteps", betaStart = "beta_start", betaEnd = "beta_end"
        case betaSchedule = "beta_schedule", stepsOffset = "steps_offset", setAlphaToOne = "set_alpha_to_one"
        case clipSample = "clip_sample", predictionType = "prediction_type", timestepSpacing = "timestep_spacing"
        case thresholding, algorithmType = "algorithm_type", solverOrder = "solver_order", solverType = "solver_type"
        case karrasSigmas = "use_karras_sigmas", finalSigmasType = "final_sigmas_type"
    }

    /// The defaults are diffusers' for `DDIMScheduler`, so a file that leaves a key out means what it means there.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        className = try c.decodeIfPresent(String.self, forKey: .className) ?? "DDIMScheduler"
        trainTimesteps = try c.decodeIfPresent(Int.self, forKey: .trainTimesteps) ?? 1000
        betaStart = try c.decodeIfPresent(Double.self, forKey: .betaStart) ?? 0.0001
        betaEnd = try c.decodeIfPresent(Double.self, forKey: .betaEnd) ?? 0.02
        betaSchedule = try c.decodeIfPresent(String.self, forKey: .betaSchedule) ?? "linear"
        stepsOffset = try c.decodeIfPresent(Int.self, forKey: .stepsOffset) ?? 0
        setAlphaToOne = try c.decodeIfPresent(Bool.self, forKey: .setAlphaToOne) ?? true
        clipSample = try c.decodeIfPresent(Bool.self, forKey: .clipSample) ?? true
        predictionType = try c.decodeIfPresent(String.self, forKey: .predictionType) ?? "epsilon"
        timestepSpacing = try c.decodeIfPresent(String.self, forKey: .timestepSpacing) ?? "leading"
        thresholding = try c.decodeIfPresent(Bool.self, forKey: .thresholding) ?? false
        algorithmType = try c.decodeIfPresent(String.self, forKey: .algorithmType) ?? "dpmsolver++"
        solverOrder = try c.decodeIfPresent(Int.self, forKey: .solverOrder) ?? 2
        solverType = try c.decodeIfPresent(String.self, forKey: .solverType) ?? "midpoint"
        karrasSigmas = try c.decodeIfPresent(Bool.self, forKey: .karrasSigmas) ?? false
        finalSigmasType = try c.decodeIfPresent(String.self, forKey: .finalSigmasType) ?? "zero"
    }

    /// Reads and checks the file.
    /// - Throws: `AudioLDMError(.unsupportedConfiguration)` naming the file and the field.
    public init(url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw AudioLDMError(.missingComponent, file: url.path, "the scheduler configuration is missing")
        }
        do { self = try JSONDecoder().decode(Self.self, from: data) } catch {
            throw AudioLDMError(.unsupportedConfiguration, file: url.path, "not a scheduler configuration: \(error)")
        }
        try validate(file: url.path)
    }

    func validate(file: String) throws {
        func refuse(_ field: String, _ value: Any, _ supported: String) -> AudioLDMError {
            AudioLDMError(.unsupportedConfiguration, file: file, "\(field) \(value) is not supported (\(supported))")
        }
        guard DiffusionSamplerKind(className: className) != nil else {
            throw refuse("_class_name", className, "DDIMScheduler or DPMSolverMultistepScheduler; choose one with scheduler: ddim or dpm++2m")
        }
        guard ["linear", "scaled_linear"].contains(betaSchedule) else { throw refuse("beta_schedule", betaSchedule, "linear or scaled_linear") }
        guard predictionType == "epsilon" else { throw refuse("prediction_type", predictionType, "epsilon") }
        guard ["leading", "trailing", "linspace"].contains(timestepSpacing) else {
            throw refuse("timestep_spacing", timestepSpacing, "leading, trailing or linspace")
        }
        guard !thresholding else { throw refuse("thresholding", thresholding, "false") }
        if DiffusionSamplerKind(className: className) == .dpmSolverPlusPlus2M {
            guard algorithmType == "dpmsolver++" else { throw refuse("algorithm_type", algorithmType, "dpmsolver++") }
            guard solverOrder == 2 else { throw refuse("solver_order", solverOrder, "2") }
            guard solverType == "midpoint" else { throw refuse("solver_type", solverType, "midpoint") }
            guard !karrasSigmas else { throw refuse("use_karras_sigmas", karrasSigmas, "false") }
            guard finalSigmasType == "zero" else { throw refuse("final_sigmas_type", finalSigmasType, "zero") }
        }
        guard trainTimesteps > 1, betaStart > 0, betaEnd >= betaStart else {
            throw refuse("betas", "\(betaStart)…\(betaEnd) over \(trainTimesteps) steps", "0 < beta_start ≤ beta_end")
        }
    }

    /// ᾱ_t = ∏ (1 − β_s) for every training timestep, in Double (diffusers works in float32; the
    /// difference is below 1e-6 and well inside the parity tolerance).
    public var alphasCumulative: [Double] {
        let count = trainTimesteps
        let betas: [Double] = (0..<count).map { i in
            let fraction = Double(i) / Double(count - 1)
            switch betaSchedule {
            case "scaled_linear":
                let root = betaStart.squareRoot() + fraction * (betaEnd.squareRoot() - betaStart.squareRoot())
                return root * root
            default:
                return betaStart + fraction * (betaEnd - betaStart)
            }
        }
        var product = 1.0
        return betas.map { beta in
            product *= 1 - beta
            return product
        }
    }
}

/// The samplers Tandem runs.
public enum DiffusionSamplerKind: String, Sendable, CaseIterable {
    /// DDIM (eta 0 by default): what the published AudioLDM checkpoints name.
    case ddim
    /// DPM-Solver++ second-order multistep: as good in 10–20 steps as DDIM in 50 or more.
    case dpmSolverPlusPlus2M = "dpm++2m"

    /// The kind a diffusers class name stands for, or nil when Tandem has no such sampler.
    public init?(className: String) {
        switch className {
        case "DDIMScheduler": self = .ddim
        case "DPMSolverMultistepScheduler": self = .dpmSolverPlusPlus2M
        default: return nil
        }
    }
}
