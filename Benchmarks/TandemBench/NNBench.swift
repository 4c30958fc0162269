// Benchmarks of the nn layer; cases are added with that layer's work.
let nnBenchSuite = BenchSuite(name: "nn") { [] }
