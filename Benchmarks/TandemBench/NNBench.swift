import Foundation
import TandemModels
import TandemNN

// Benchmarks of the nn layer, at 2 threads (TANDEM_THREADS overrides) as the PyTorch peer
// in Tools/bench/timesformer_peer.py runs. Throughput is printed in GFLOP/s.
let nnBenchSuite = BenchSuite(name: "nn") {
    let threads = ProcessInfo.processInfo.environment["TANDEM_THREADS"].flatMap(Int.init) ?? 2
    ComputeThreads.configure(threads)
    var cases: [BenchCase] = []

    // OpenBLAS sgemm peak: one 2048³ product (17.18 GFLOP).
    let n = 2048
    let a = Tensor(repeating: 0.5, shape: [n, n]), b = Tensor(repeating: 0.25, shape: [n, n])
    // OpenBLAS threading its own product (the peak the issue compares against), and the row bands.
    for gemm in [ComputeThreads.GEMMThreading.openBLAS, .rows] {
        cases.append(BenchCase(name: "sgemm-2048" + (gemm == .rows ? "-rows" : ""), units: 2 * pow(Double(n), 3) / 1e9, unitName: "GFLOP") {
            ComputeThreads.configure(threads, gemm: gemm)
            _ = Tensor.matmul(a, b)
        })
    }

    // TimeSformer base (divided space-time, 121 M parameters, random weights): 1×8×3×224×224, fp32.
    // 391.7 GFLOP per forward (the figure the issue quotes for transformers' model).
    let model = TimesformerModel(randomWeightsFor: TimesformerConfiguration(), seed: 1)
    var seed: UInt64 = 7
    let clip = Tensor(shape: [1, 8, 3, 224, 224]) { out in
        for i in out.indices {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            out[i] = Float(seed >> 40) / Float(1 << 24) * 2 - 1
        }
    }
    // The forward with the default GEMM threading (row bands), and with OpenBLAS's pool.
    for gemm in [ComputeThreads.GEMMThreading.rows, .openBLAS] {
        cases.append(BenchCase(name: "timesformer-base-8x224" + (gemm == .rows ? "" : "-openblas"), units: 391.7, unitName: "GFLOP") {
            ComputeThreads.configure(threads, gemm: gemm)
            _ = model.forward(pixelValues: clip)
        })
    }
    // TANDEM_NN_CASES=a,b keeps only the named cases (for perf stat of one case).
    if let only = ProcessInfo.processInfo.environment["TANDEM_NN_CASES"]?.split(separator: ",").map(String.init) {
        cases = cases.filter { only.contains($0.name) }
    }
    return cases
}
