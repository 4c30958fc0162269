// Benchmarks of the dsp layer; cases are added with that layer's work.
let dspBenchSuite = BenchSuite(name: "dsp") { [] }
