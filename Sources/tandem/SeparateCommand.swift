import ArgumentParser
import Foundation
import TandemCore

/// `tandem separate INPUT... --out DIR [--sources N|auto]`: a front end to `Pipelines/separate-instruments.yaml`
/// run through the batch runner, so the command and `tandem run` run one graph (manifest, atomic outputs,
/// `--jobs`, `--shard`, `--resume`, progress). Its flags become the pipeline's parameters.
///
/// Per input: `DIR/separated/<relpath>/<region>.wav` (one per sounding player, named after the picture
/// region it moves in), `summary.json` (every region: box, confidence, seconds sounding and moving, `silent`
/// for a region whose motion explains none of the sound) and `masks.png`.
struct SeparateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "separate",
        abstract: "Separate the instruments of recordings by where they move (runs Pipelines/separate-instruments.yaml).",
        discussion: """
        Writes DIR/separated/<relpath>/<region>.wav per sounding source, summary.json and masks.png for every \
        input, and DIR/manifest.jsonl as `tandem run` does. An input without audio, or with a --region outside \
        its picture, fails with the reason in the manifest; the others go on (exit status 1 when any failed).
        """)

    @Argument(help: "Media files with an audio stream (and a video stream for motion guidance), folders or @list files.")
    var inputs: [String]
    @Option(help: "Output folder (created).") var out: String
    @Option(help: "Number of sources, or 'auto' (one per moving region); default: the pipeline's (auto).") var sources: String?
    @Option(help: "Video frames per second analysed for motion; default: the pipeline's (25).") var fps: Double?
    @Option(help: "Shorter side, in pixels, of the frames analysed for motion (the motion cells scale with it); default: the pipeline's (144).")
    var analysisSide: Int?
    @Option(help: "The file's audio stream to separate, by the number `tandem probe` prints (a file with several: a commentary, a second mix); default: FFmpeg's choice, named in the run's warnings.")
    var audioStream: Int?
    @Option(help: "Use a ROWSxCOLUMNS grid of regions instead of finding moving regions (e.g. 1x2).") var grid: String?
    @Option(name: .customLong("region"), help: "A player's region 'x,y,w,h' in video pixels, used as given (repeat for each player).")
    var regions: [String] = []
    @Option(help: "What the mixture is factorised into: components (free NMF components grouped into players) harmonic (one harmonic instrument per player, matched to the regions by motion and by the components' grouping), or ensemble (both, their masks averaged per region).")
    var model: String?
    @Option(help: "NMF divergence: kl or is.") var divergence: String?
    @Option(help: "NMF iterations (multiplicative updates of the β-divergence).") var iterations: Int?
    @Option(help: "NMF components per source.") var componentsPerSource: Int?
    @Option(help: "With --sources auto, a region is dropped as silent only when the evidence rises by more than this without it (negative: also when it falls by less; write --drop-margin=-0.05).")
    var dropMargin: Float?
    @Option(help: "With --sources auto, a region whose own source follows its motion at least this well (-1...1) is always kept.")
    var keepEvidence: Float?
    @Option(help: "A region that never rests and whose motion repeats at least this strongly (0...1) while no sound repeats with it is a bystander, dropped first; above 1: off.")
    var bystanderPeriodicity: Float?
    @Option(help: "Longer recordings are factorised this many seconds at a time, cross-faded, so memory stays bounded.")
    var chunkSeconds: Double?
    @OptionGroup var batch: BatchFlags

    /// The flags as the pipeline's parameters, in the order given by the pipeline file.
    var parameterOverrides: [String] {
        var sets: [String] = []
        if let sources { sets.append("sources=\(sources)") }
        if let grid { sets.append("grid=\(grid)") }
        if !regions.isEmpty { sets.append("regions=\(regions.joined(separator: ";"))") }
        if let fps { sets.append("fps=\(fps)") }
        if let analysisSide {
            // Motion cells are 1/36 of the analysed side, as at the default 144 pixels (4-pixel cells).
            // The longer side is bounded at 7 times the shorter, as the pipeline's 1008 for 144.
            // The side asked for is the one analysed: no second, larger look when the regions found are small.
            sets += ["side=\(analysisSide)", "cell_size=\(max(2, analysisSide / 36))", "max_side=\(7 * analysisSide)", "rescale=off"]
        }
        if let audioStream { sets.append("audio_stream=\(audioStream)") }
        if let model { sets.append("model=\(model)") }
        if let divergence { sets.append("divergence=\(divergence)") }
        if let iterations { sets.append("iterations=\(iterations)") }
        if let componentsPerSource { sets.append("components_per_source=\(componentsPerSource)") }
        if let dropMargin { sets.append("drop_margin=\(dropMargin)") }
        if let keepEvidence { sets.append("keep_evidence=\(keepEvidence)") }
        if let bystanderPeriodicity { sets.append("bystander_periodicity=\(bystanderPeriodicity)") }
        if let chunkSeconds { sets.append("chunk_seconds=\(chunkSeconds)") }
        return sets
    }

    func run() throws {
        let (summary, terminated) = try batch.runBatch(bundled: "separate-instruments", inputs: inputs, out: out, sets: parameterOverrides)
        print(summary.text)
        try RunCommand.exit(summary, terminated: terminated)
    }
}
