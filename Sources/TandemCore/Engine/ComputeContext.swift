import Foundation

/// How many threads the numeric work of the running graph may use, and into how many pieces it is cut.
///
/// **Why a task-local, not a setting.** Graphs of one batch run side by side (`--jobs N`), each on
/// its own threads, in one process. A process-wide thread count lets one graph (a node that asks for
/// more threads) change how another graph's kernels split their work, so each graph's width is bound
/// for the duration of its nodes' work instead: `GraphExecution` binds the context it was built with
/// on every node thread, and TandemNN's `ComputeThreads` reads it in every parallel loop and GEMM.
/// Code outside a graph (library use, tools, benchmarks) sees no context and gets the process
/// default (`ComputeThreads.configure`, `TANDEM_THREADS`, else every core).
///
/// **Width and partitions are apart.** How many threads may run at once (`threads`) is the graph's
/// share; into how many pieces a parallel loop cuts its work (`partitions`) is not: it stays the process
/// width (`ComputeThreads`' default), so a matrix product is cut into the same row bands whether its
/// graph runs alone on every core or beside others on one, and gives the same bits. A batch's results
/// therefore do not depend on `--jobs` (nor on `--threads` up to the process width).
public struct ComputeContext: Sendable, Hashable, CustomStringConvertible {
    /// Threads that may work at once for this graph; at least 1.
    public let threads: Int
    /// Pieces a parallel loop cuts its work into; nil: the larger of the process width and `threads`.
    public let partitions: Int?

    /// - Parameters:
    ///   - threads: values below 1 are treated as 1.
    ///   - partitions: nil (the default) keeps the process's partitioning, so results do not depend on
    ///     `threads`; values below 1 are treated as 1.
    public init(threads: Int, partitions: Int? = nil) {
        self.threads = max(1, threads)
        self.partitions = partitions.map { max(1, $0) }
    }

    /// The context bound on this thread (or task), if any.
    @TaskLocal public static var current: ComputeContext?

    /// One thread: parallel loops run their pieces one after the other on the calling thread.
    public static let serial = ComputeContext(threads: 1)

    /// The threads this process may use: `TANDEM_THREADS` when it is a positive number, else the
    /// active processor count.
    public static var availableThreads: Int {
        if let text = ProcessInfo.processInfo.environment["TANDEM_THREADS"], let value = Int(text), value > 0 { return value }
        return ProcessInfo.processInfo.activeProcessorCount
    }

    /// The share of `cores` for each of `jobs` graphs running at once: the cores split evenly, at least
    /// one thread each (every graph gets the same width, so a batch's results do not depend on which
    /// worker ran an input).
    /// - Parameters:
    ///   - jobs: graphs running at once.
    ///   - cores: threads to split; default `availableThreads`.
    public static func share(ofJobs jobs: Int, cores: Int = availableThreads) -> ComputeContext {
        ComputeContext(threads: max(1, cores) / max(1, jobs))
    }

    /// Runs `body` with this context current on the calling thread (and in tasks it creates).
    public func run<R>(_ body: () throws -> R) rethrows -> R {
        try Self.$current.withValue(self, operation: body)
    }

    public var description: String {
        "\(threads) thread\(threads == 1 ? "" : "s")" + (partitions.map { ", \($0) partitions" } ?? "")
    }
}
