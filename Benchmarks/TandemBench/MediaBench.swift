// Benchmarks of the media layer; cases are added with that layer's work.
let mediaBenchSuite = BenchSuite(name: "media") { [] }
