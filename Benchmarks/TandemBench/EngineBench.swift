// Benchmarks of the engine layer; cases are added with that layer's work.
let engineBenchSuite = BenchSuite(name: "engine") { [] }
