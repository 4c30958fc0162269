import Foundation

// `tandem-bench [SUITE] [--repeat N]`: runs the benchmark suites and prints medians.
// Each area registers its cases in its own file (MediaBench.swift, DSPBench.swift, …).
let allSuites: [BenchSuite] = [
    mediaBenchSuite, muxBenchSuite, dspBenchSuite, nnBenchSuite, engineBenchSuite, whisperBenchSuite, separationBenchSuite, visionBenchSuite, vadBenchSuite,
    audioLDMTextBenchSuite, audioLDMUNetBenchSuite, audioLDMGenerateBenchSuite, convolutionBenchSuite, spillBenchSuite,
]
BenchRunner.main(suites: allSuites, arguments: Array(CommandLine.arguments.dropFirst()))
