import ArgumentParser
import Foundation
import TandemCore
import TandemMedia

/// `tandem frames FILE... --sampling uniform:8 --out DIR`: a front end to `Pipelines/frames.yaml` run
/// through the batch runner, so the command and `tandem run` run one graph (manifest, atomic outputs,
/// `--jobs`, `--shard`, `--resume`, progress). Its flags become the pipeline's parameters; the sampling
/// and size grammars are TandemMedia's (`FrameSampling(parsing:)`, `ResizeMode(parsing:)`), read by the
/// `decode` node.
///
/// Per input: `DIR/frames/<relpath>/frame_<index>.png` (or `.jpg`) and `contact_sheet.png`. A file that
/// fails is recorded in `DIR/manifest.jsonl` and the others go on; the exit status is 1 when any failed.
struct FramesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frames", abstract: "Sample frames from videos and write them as images (runs Pipelines/frames.yaml).",
        discussion: """
        Writes DIR/frames/<relpath>/frame_<index>.<format> and contact_sheet.png for every input, and \
        DIR/manifest.jsonl as `tandem run` does.
        """)

    @Argument(help: "Video files, folders or @list files.") var files: [String]
    @Option(help: "all, keyframes, fps:R, uniform:N, segments:N, clips:NxFxS, timestamps:T1,T2,…, scene:THRESHOLD.")
    var sampling = "uniform:8"
    @Option(help: "Resize: none, WxH (exact), S (shorter side), max:S (shorter side at most S), S/WxH (shorter side then center crop), box:WxH (letterbox).")
    var size = "none"
    @Option(help: "Output folder.") var out = "frames"
    @Option(help: "Image format: png or jpg.") var format = "png"
    @OptionGroup var batch: BatchFlags

    /// The flags as the pipeline's parameters: `fps:R` is the pipeline's own per-second choice (the
    /// `sample-frames` node); any other sampling is decode's, with every frame it passes on kept.
    func parameterOverrides() throws -> [String] {
        guard let strategy = FrameSampling(parsing: sampling) else {
            throw usageError("--sampling: unknown sampling '\(sampling)'; use all, keyframes, fps:R, uniform:N, segments:N, clips:NxFxS, timestamps:T1,T2,… or scene:THRESHOLD")
        }
        guard ResizeMode(parsing: size) != nil else {
            throw usageError("--size: unknown size '\(size)'; use none, WxH, S, max:S, S/WxH or box:WxH")
        }
        guard let imageFormat = ImageWriter.Format(fileExtension: format) else {
            throw usageError("--format: unknown image format '\(format)'; use png or jpg")
        }
        var sets = ["size=\(size)", "format=\(imageFormat == .png ? "png" : "jpg")"]
        if case .fps(let rate) = strategy {
            sets += ["sampling=all", "keep=fps", "fps=\(rate)"]
        } else {
            sets += ["sampling=\(sampling)", "keep=every"]
        }
        return sets
    }

    func run() throws {
        let (summary, terminated) = try batch.runBatch(bundled: "frames", inputs: files, out: out, sets: try parameterOverrides())
        print(summary.text)
        try RunCommand.exit(summary, terminated: terminated)
    }
}
