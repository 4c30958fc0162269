import Foundation
import TandemCore
import TandemModels
import TandemNN

/// `timesformer`: video frames → one TimeSformer embedding per input (or per clip) and the top-k
/// Kinetics (or other) labels, from a Hugging Face checkpoint directory (`TimesformerModel`).
///
/// Frames arrive as `decode` samples them (e.g. `sampling: uniform, count: 8`) and are grouped in
/// order into clips of `frames` frames. With `per_clip: false` every clip is one view and the views'
/// embeddings and probabilities are averaged, as the official multi-view test does. A last clip that
/// falls short is dropped, unless it is the only one: then its last frame is repeated to fill it.
///
/// The checkpoint is checked when the pipeline is loaded (`ValidatingNode`), so a missing one stops
/// `tandem run` before any input is opened; the model is loaded once per process (`ModelCache`).
public struct TimesformerNode: ValidatingNode {
    public static let descriptor = NodeDescriptor(
        kind: "timesformer", doc: "TimeSformer video embedding and top-k labels from a Hugging Face checkpoint.",
        inputs: [PortSpec("video", .video, "rgb24 frames, grouped in order into clips")],
        outputs: [PortSpec("embedding", .tensor, "[hidden] per input (or per clip), the final cls token"),
                  PortSpec("labels", .segments, "the top-k labels with probabilities, over the input's (or clip's) time span")],
        parameters: [
            ParameterSpec("checkpoint", .string, default: .string(""),
                          "Hugging Face TimeSformer directory (config.json, model.safetensors, preprocessor_config.json)"),
            ParameterSpec("frames", .int(0...1024), default: .int(0), "frames per clip; 0 takes the checkpoint's num_frames"),
            ParameterSpec("top_k", .int(0...1000), default: .int(5), "labels to report (0: none)"),
            ParameterSpec("per_clip", .bool, default: .bool(false), "one result per clip instead of one averaged over the input's clips"),
            ParameterSpec("crop", .choice(["center", "start", "end"]), default: .string("center"), "which square of the resized frame to keep"),
        ])

    /// What the node reports when its checkpoint parameter is unusable.
    public static func problems(in parameters: NodeParameters) -> [NodeParameterProblem] {
        let path = parameters.string("checkpoint")
        guard !path.isEmpty else {
            return [NodeParameterProblem(parameter: "checkpoint", message: "set 'checkpoint' (or --set checkpoint=DIR) to a TimeSformer "
                                         + "checkpoint directory. " + TimesformerModel.howToObtain + " " + convertHint)]
        }
        let directory = ModelDirectory.resolve(path)
        do {
            let source = try HuggingFaceDirectory(url: directory, howToObtain: TimesformerModel.howToObtain)
            _ = try source.decodeJSON(TimesformerConfiguration.self)
            _ = try TimesformerPreprocessor.load(directory: directory)
        } catch {
            let pickle = directory.appendingPathComponent("pytorch_model.bin")
            let convert = FileManager.default.fileExists(atPath: pickle.path) ? " " + convertHint : ""
            return [NodeParameterProblem(parameter: "checkpoint", message: "\(error)\(convert)")]
        }
        return []
    }

    /// The hub's facebook/timesformer-* repositories hold PyTorch pickles, which Tandem does not read.
    static let convertHint = "If the directory holds pytorch_model.bin (as the facebook/timesformer-* repositories do), "
        + "write model.safetensors beside it with `python Tools/convert_timesformer.py DIR` (needs torch and safetensors)."

    private let directory: URL
    private let framesParameter: Int
    private let topK: Int
    private let perClip: Bool
    private let crop: TimesformerPreprocessor.Crop
    private var model: TimesformerModel?
    private var preprocessor = TimesformerPreprocessor()
    private var clipSize = 0
    private var pending: [VideoFrame] = []
    private var views: [Tensor] = []
    private var span: (start: MediaTime, end: MediaTime)?

    public init(parameters: NodeParameters) throws {
        if let problem = Self.problems(in: parameters).first {
            throw NodeError(code: .invalidParameters, message: problem.message)
        }
        directory = ModelDirectory.resolve(parameters.string("checkpoint"))
        framesParameter = parameters.int("frames")
        topK = parameters.int("top_k")
        perClip = parameters.bool("per_clip")
        crop = TimesformerPreprocessor.Crop(rawValue: parameters.string("crop")) ?? .center
    }

    public mutating func start(_ context: NodeContext) throws {
        let directory = self.directory
        let model = try ModelCache.shared.model("timesformer:" + directory.standardizedFileURL.path) {
            try TimesformerModel.load(directory: directory)
        }
        self.model = model
        preprocessor = try TimesformerPreprocessor.load(directory: directory)
        clipSize = framesParameter == 0 ? model.configuration.numFrames : framesParameter
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        guard case .video(let frame) = packet else { return }
        pending.append(frame)
        if pending.count == clipSize { try takeClip(output: output) }
    }

    public mutating func finish(output: NodeOutput) throws {
        if !pending.isEmpty, views.isEmpty, span == nil {
            pending += Array(repeating: pending[pending.count - 1], count: clipSize - pending.count)
            try takeClip(output: output)
        }
        pending = []
        if !perClip, !views.isEmpty, let span { try emit(model!.predict(views: views, topK: topK), span: span, output: output) }
    }

    /// Preprocesses the pending frames as one view; per clip, predicts at once.
    private mutating func takeClip(output: NodeOutput) throws {
        let clip = try preprocessor.pixels(frames: pending, crop: crop)
        let clipSpan = (start: pending[0].time, end: pending[pending.count - 1].time)
        pending = []
        if perClip {
            try emit(model!.predict(views: [clip], topK: topK), span: clipSpan, output: output)
            span = clipSpan
        } else {
            views.append(clip)
            span = (span?.start ?? clipSpan.start, clipSpan.end)
        }
    }

    private func emit(_ prediction: TimesformerPrediction, span: (start: MediaTime, end: MediaTime), output: NodeOutput) throws {
        var embedding = prediction.embedding.tensorValue
        embedding.startTime = span.start
        embedding.endTime = span.end
        try output.emit(.tensor(embedding), port: "embedding")
        if topK > 0, !prediction.top.isEmpty {
            let labels = prediction.top.map { Segment(start: span.start, end: span.end, label: $0.label, score: Double($0.probability)) }
            try output.emit(.segments(labels), port: "labels")
        }
    }
}
