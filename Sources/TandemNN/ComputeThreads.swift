import TandemBLAS
import Dispatch
import Foundation

/// The one place that decides how many threads the numeric kernels use.
///
/// Two pools do numeric work in this process: OpenBLAS's own threads (inside every GEMM) and
/// Tandem's parallel loops (element-wise kernels, attention over heads, im2col). If each took
/// every core they would oversubscribe the machine, so both are sized here, together:
/// `configure(n)` calls `openblas_set_num_threads(n)` and makes `parallelFor` split work into
/// at most `n` chunks run by `DispatchQueue.concurrentPerform`. Parallel loops never call a
/// multi-threaded GEMM; where a loop runs many small GEMMs side by side (attention heads) it
/// first switches OpenBLAS to one thread with `withSingleThreadedBLAS`.
///
/// Large GEMMs can be threaded two ways (`GEMMThreading`): by OpenBLAS's own pool, or by
/// splitting the output rows over Tandem's loop threads with OpenBLAS held to one thread. The
/// second leaves one pool in the process, so no idle OpenBLAS thread spins while Tandem's loops run.
///
/// The default is `ProcessInfo.activeProcessorCount`. A `--threads` option calls `configure`; the
/// environment variables `TANDEM_THREADS` and `TANDEM_GEMM_THREADING` (`openblas` or `rows`)
/// override the defaults for tools and benchmarks.
public enum ComputeThreads {
    /// Who parallelises a large GEMM.
    public enum GEMMThreading: String, Sendable {
        /// OpenBLAS's thread pool, `openblas_set_num_threads(n)`.
        case openBLAS = "openblas"
        /// Tandem's loop threads, each running single-threaded OpenBLAS on a band of output rows.
        case rows
    }

    private final class State: @unchecked Sendable {
        // Safe: every access holds `lock`.
        let lock = NSLock()
        var width = 0
        var configured = false
        var blasOverrides = 0
        // Row bands by default: on the 2-core test machine the TimeSformer forward used about
        // 15 % less CPU time than with OpenBLAS's pool, whose idle threads spin in sched_yield.
        var gemmThreading = GEMMThreading.rows
    }

    private static let state = State()

    /// Sets the thread count for OpenBLAS and for Tandem's parallel loops.
    /// - Parameter n: threads to use; values below 1 are treated as 1.
    /// - Parameter gemm: how large GEMMs are threaded; nil keeps the current choice.
    public static func configure(_ n: Int, gemm: GEMMThreading? = nil) {
        let width = max(1, n)
        state.lock.lock()
        state.width = width
        state.configured = true
        if let gemm { state.gemmThreading = gemm }
        let blasThreads = state.gemmThreading == .rows ? 1 : width
        state.lock.unlock()
        BLAS.setThreadCount(blasThreads)
    }

    /// How large GEMMs are currently threaded.
    public static var gemmThreading: GEMMThreading {
        _ = count
        state.lock.lock()
        defer { state.lock.unlock() }
        return state.gemmThreading
    }

    /// The configured thread count (configuring the default on first use).
    public static var count: Int {
        state.lock.lock()
        if !state.configured {
            state.lock.unlock()
            let environment = ProcessInfo.processInfo.environment
            configure(environment["TANDEM_THREADS"].flatMap(Int.init) ?? ProcessInfo.processInfo.activeProcessorCount,
                      gemm: environment["TANDEM_GEMM_THREADING"].flatMap(GEMMThreading.init(rawValue:)))
            state.lock.lock()
        }
        let width = state.width
        state.lock.unlock()
        return width
    }

    /// Runs `body` over `0..<count` split into at most `ComputeThreads.count` contiguous chunks.
    ///
    /// Work smaller than `grain` elements runs inline on the caller's thread, so tiny tensors
    /// pay no dispatch cost.
    /// - Parameters:
    ///   - count: number of items.
    ///   - grain: the smallest chunk worth a thread.
    ///   - body: called with each chunk's range, possibly concurrently.
    @inlinable
    public static func parallelFor(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(Self.count, max(1, count / max(1, grain)))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = count * chunk / chunks
                let end = count * (chunk + 1) / chunks
                box.value(start..<end)
            }
        }
    }

    /// Runs `body` with OpenBLAS limited to one thread, restoring the configured count afterwards.
    ///
    /// Used around parallel loops whose iterations each call a small GEMM, so the loop's threads
    /// and OpenBLAS's threads never multiply.
    public static func withSingleThreadedBLAS<R>(_ body: () throws -> R) rethrows -> R {
        let width = count
        guard width > 1, gemmThreading == .openBLAS else { return try body() }
        state.lock.lock()
        state.blasOverrides += 1
        if state.blasOverrides == 1 { BLAS.setThreadCount(1) }
        state.lock.unlock()
        defer {
            state.lock.lock()
            state.blasOverrides -= 1
            if state.blasOverrides == 0 { BLAS.setThreadCount(state.gemmThreading == .rows ? 1 : state.width) }
            state.lock.unlock()
        }
        return try body()
    }
}

/// Carries a non-Sendable closure into `concurrentPerform`, whose chunks touch disjoint data.
@usableFromInline
struct UncheckedBox<Value>: @unchecked Sendable {
    // Safe: `parallelFor` callers write disjoint ranges; the closure does not outlive the call.
    @usableFromInline let value: Value
    @usableFromInline init(_ value: Value) { self.value = value }
}
