import TandemBLAS
import TandemCore
import Dispatch
import Foundation

/// The one place that decides how many threads the numeric kernels use.
///
/// Two pools could do numeric work in this process: OpenBLAS's own threads (inside every GEMM) and
/// Tandem's parallel loops (element-wise kernels, attention over heads, im2col, row bands of large
/// GEMMs). If each took every core they would oversubscribe the machine, so OpenBLAS is held to one
/// thread and large GEMMs are split into bands of output rows over Tandem's loop threads
/// (`GEMMThreading.rows`, the default): one pool, no idle OpenBLAS thread spinning while the loops run.
///
/// **The width is the running graph's.** `count` is the width of the `ComputeContext` bound on the
/// calling thread — the engine binds each graph's share of the cores around its nodes' work (`--jobs N`
/// splits the cores between graphs) — and only outside any context the process default: `configure(n)`,
/// else `TANDEM_THREADS`, else every core. Nothing a graph does changes another graph's width, and
/// nothing global changes per graph: OpenBLAS's thread count is set once, at first use.
///
/// **The partitioning is not.** A parallel loop cuts its work into `partitions` pieces — the process
/// default width unless the context says otherwise — and runs them on at most `count` threads. OpenBLAS
/// gives a band of rows slightly different bits depending on the band's height, so cutting by the
/// running width would make a graph's results depend on how many graphs ran beside it; cut the same way
/// at every width, a batch gives the same bits with `--jobs 1` and `--jobs 2`. Inside a piece the context
/// has one thread and the same partitions, so a nested loop runs inline and cuts its work the same way.
///
/// `TANDEM_GEMM_THREADING=openblas` (or `configure(_:gemm: .openBLAS)`) lets OpenBLAS's own pool
/// thread large GEMMs instead, at the process default width. That is a process-wide setting for
/// benchmarks (`tandem-bench nn` compares the two), not for batches of graphs side by side.
public enum ComputeThreads {
    /// Who parallelises a large GEMM.
    public enum GEMMThreading: String, Sendable {
        /// OpenBLAS's thread pool, `openblas_set_num_threads(n)` (process-wide).
        case openBLAS = "openblas"
        /// Tandem's loop threads, each running single-threaded OpenBLAS on a band of output rows.
        case rows
    }

    private final class State: @unchecked Sendable {
        // Safe: every access holds `lock`.
        let lock = NSLock()
        var width: Int
        var blasOverrides = 0
        // Row bands by default: on the 2-core test machine the TimeSformer forward used about
        // 15 % less CPU time than with OpenBLAS's pool, whose idle threads spin in sched_yield.
        var gemmThreading: GEMMThreading

        /// The defaults from the environment; OpenBLAS is sized here, before any GEMM runs.
        init() {
            let environment = ProcessInfo.processInfo.environment
            width = max(1, environment["TANDEM_THREADS"].flatMap(Int.init) ?? ProcessInfo.processInfo.activeProcessorCount)
            gemmThreading = environment["TANDEM_GEMM_THREADING"].flatMap(GEMMThreading.init(rawValue:)) ?? .rows
            BLAS.setThreadCount(gemmThreading == .rows ? 1 : width)
        }
    }

    // A lazily initialised global: the first use of ComputeThreads sizes OpenBLAS, once, thread-safely.
    private static let state = State()

    /// Sets the process default width (used where no `ComputeContext` is bound) and how large GEMMs are
    /// threaded. For tools and benchmarks: graphs get their width from the engine, never from here.
    /// - Parameter n: threads to use; values below 1 are treated as 1.
    /// - Parameter gemm: how large GEMMs are threaded; nil keeps the current choice.
    public static func configure(_ n: Int, gemm: GEMMThreading? = nil) {
        let width = max(1, n)
        state.lock.lock()
        state.width = width
        if let gemm { state.gemmThreading = gemm }
        let blasThreads = state.gemmThreading == .rows ? 1 : width
        state.lock.unlock()
        BLAS.setThreadCount(blasThreads)
    }

    /// How large GEMMs are threaded (process-wide).
    public static var gemmThreading: GEMMThreading {
        let state = state
        state.lock.lock()
        defer { state.lock.unlock() }
        return state.gemmThreading
    }

    /// The process default width, used where no `ComputeContext` is bound.
    public static var processDefault: Int {
        let state = state
        state.lock.lock()
        defer { state.lock.unlock() }
        return state.width
    }

    /// The threads a kernel called here may run at once: the bound `ComputeContext`'s, else the process default.
    public static var count: Int {
        // Touch `state` first either way, so OpenBLAS is sized before any kernel that asked runs a GEMM.
        let state = state
        if let context = ComputeContext.current { return context.threads }
        state.lock.lock()
        defer { state.lock.unlock() }
        return state.width
    }

    /// The pieces a parallel loop called here cuts its work into: the bound context's `partitions`, else
    /// the larger of the process default and its `threads` (so it does not depend on the graph's share).
    public static var partitions: Int {
        let context = ComputeContext.current
        if let partitions = context?.partitions { return partitions }
        return max(processDefault, context?.threads ?? 1)
    }

    /// Runs `body` over `0..<count` cut into at most `ComputeThreads.partitions` contiguous pieces, run on
    /// at most `ComputeThreads.count` threads at once.
    ///
    /// Work smaller than `grain` elements runs inline on the caller's thread, so tiny tensors pay no
    /// dispatch cost. The pieces depend on `count`, `grain` and the partitions only, never on how many
    /// threads run them, so results are the same at every width. Each piece runs with a one-thread
    /// context of the same partitions bound, so parallel kernels called from inside a piece run inline.
    /// - Parameters:
    ///   - count: number of items.
    ///   - grain: the smallest piece worth a thread.
    ///   - body: called with each piece's range, possibly concurrently.
    @inlinable
    public static func parallelFor(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        // One read of the context and of the process default, as `count` and `partitions` would make.
        let context = ComputeContext.current
        let threads = context?.threads ?? processDefault
        let partitions = context?.partitions ?? max(processDefault, threads)
        let pieces = min(partitions, max(1, count / max(1, grain)))
        if pieces <= 1 {
            body(0..<count)
            return
        }
        let workers = min(threads, pieces)
        if workers <= 1 {
            // On the caller's thread, whose context already has one thread and these partitions.
            for piece in 0..<pieces { body((count * piece / pieces)..<(count * (piece + 1) / pieces)) }
            return
        }
        let inner = ComputeContext(threads: 1, partitions: partitions)
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            // Worker w runs pieces w, w + workers, …: which thread runs a piece never changes the piece.
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for piece in stride(from: worker, to: pieces, by: workers) {
                    inner.run { box.value((count * piece / pieces)..<(count * (piece + 1) / pieces)) }
                }
            }
        }
    }

    /// Runs `body` with OpenBLAS limited to one thread, restoring the configured count afterwards.
    ///
    /// Used around parallel loops whose iterations each call a small GEMM, so the loop's threads
    /// and OpenBLAS's threads never multiply. Only the process-wide `.openBLAS` mode threads OpenBLAS;
    /// under row bands (the default) this changes nothing.
    public static func withSingleThreadedBLAS<R>(_ body: () throws -> R) rethrows -> R {
        guard gemmThreading == .openBLAS, processDefault > 1 else { return try body() }
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
