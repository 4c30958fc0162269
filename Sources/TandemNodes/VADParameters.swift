import Foundation
import TandemCore
import TandemModels

/// The Silero VAD parameters shared by the `vad` node and `whisper`'s `vad_filter`, with
/// faster-whisper's `VadOptions` defaults. `whisper` prefixes each name with `vad_`.
enum VADParameters {
    static let defaultModel = "Models/silero-vad"

    /// The parameter specs, each name prefixed with `prefix`.
    static func specs(prefix: String = "") -> [ParameterSpec] {
        let defaults = VADOptions()
        return [
            ParameterSpec(prefix + "model", .string, default: .string(defaultModel),
                          "Silero VAD directory holding silero_vad_v6.onnx (installed by `make models`)"),
            ParameterSpec(prefix + "threshold", .double(0...1), default: .double(Double(defaults.threshold)),
                          "a 32 ms chunk whose speech probability is at least this is speech"),
            ParameterSpec(prefix + "neg_threshold", .double(0...1), default: .double(0),
                          "below this a chunk is silence even inside speech; 0: max(threshold − 0.15, 0.01)"),
            ParameterSpec(prefix + "min_speech_ms", .int(0...600_000), default: .int(defaults.minSpeechDurationMs),
                          "speech spans shorter than this are dropped, milliseconds"),
            ParameterSpec(prefix + "max_speech_s", .double(0...86_400), default: .double(0),
                          "longer spans are split at their last silence over 98 ms, seconds; 0: no limit"),
            ParameterSpec(prefix + "min_silence_ms", .int(0...600_000), default: .int(defaults.minSilenceDurationMs),
                          "silence shorter than this does not end speech, milliseconds"),
            ParameterSpec(prefix + "speech_pad_ms", .int(0...60_000), default: .int(defaults.speechPadMs),
                          "each span is widened by this much on both sides, milliseconds"),
        ]
    }

    static func options(_ parameters: NodeParameters, prefix: String = "") -> VADOptions {
        let negative = parameters.double(prefix + "neg_threshold")
        let maxSpeech = parameters.double(prefix + "max_speech_s")
        return VADOptions(
            threshold: Float(parameters.double(prefix + "threshold")),
            negativeThreshold: negative > 0 ? Float(negative) : nil,
            minSpeechDurationMs: parameters.int(prefix + "min_speech_ms"),
            maxSpeechDurationSeconds: maxSpeech > 0 ? maxSpeech : .infinity,
            minSilenceDurationMs: parameters.int(prefix + "min_silence_ms"),
            speechPadMs: parameters.int(prefix + "speech_pad_ms"))
    }

    /// A missing model file, reported at the parameter with the command that installs it.
    static func problems(in parameters: NodeParameters, prefix: String = "") -> [NodeParameterProblem] {
        let directory = ModelDirectory.resolve(parameters.string(prefix + "model"))
        let file = directory.appendingPathComponent(SileroVAD.fileName)
        guard !FileManager.default.fileExists(atPath: file.path) else { return [] }
        return [NodeParameterProblem(parameter: prefix + "model",
                                     message: "\(file.path) is missing: run `make models` (it takes Silero VAD v6, MIT licence, from the faster-whisper 1.2.1 wheel)")]
    }

    /// The model, loaded once per process.
    static func model(_ parameters: NodeParameters, prefix: String = "") throws -> SileroVAD {
        let directory = ModelDirectory.resolve(parameters.string(prefix + "model"))
        return try ModelCache.shared.model("silero-vad:" + directory.standardizedFileURL.path) {
            try SileroVAD(directory: directory)
        }
    }
}
