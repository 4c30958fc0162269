import Foundation

/// A thread that has finished its own work and lends itself to another's: the other side of
/// `MotionInformedNMF.side(by:_:)`, once the components' grouping is done, takes half of each of the harmonic
/// factorisation's products while that factorisation still runs.
///
/// Work is offered, never pushed: `both(_:_:)` hands its second half over only while the spare thread waits
/// for work, and takes it back if the spare thread has not started it by the time the first half is done, so
/// a thread that never serves (one thread, or a grouping still running) costs one lock per product. Which
/// thread runs a half never changes what it computes.
///
/// `@unchecked Sendable`: every stored property is read and written under `condition`'s lock.
final class SpareThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var offered: (() -> Void)?
    private var taken = false, finished = false, serving = false, closed = false

    init() {}

    /// Runs `first` here and `second` on the spare thread when it is serving, else `second` here after `first`;
    /// returns when both are done.
    func both(_ first: () -> Void, _ second: () -> Void) {
        condition.lock()
        guard serving, !closed else {
            condition.unlock()
            first()
            second()
            return
        }
        withoutActuallyEscaping(second) { second in
            // `second` outlives neither this call (we wait for it, or take it back) nor its captures.
            nonisolated(unsafe) let work = second
            offered = { work() }
            taken = false
            finished = false
            condition.broadcast()
            condition.unlock()
            first()
            condition.lock()
            if !taken {
                offered = nil
                condition.unlock()
                work()
                return
            }
            while !finished { condition.wait() }
            condition.unlock()
        }
    }

    /// On the spare thread: runs what `both(_:_:)` offers until `close()`.
    func serve() {
        condition.lock()
        serving = true
        while !closed {
            if let work = offered {
                offered = nil
                taken = true
                condition.unlock()
                work()
                condition.lock()
                finished = true
                condition.broadcast()
            } else {
                condition.wait()
            }
        }
        serving = false
        condition.unlock()
    }

    /// No more work: `serve()` returns (now, or as soon as it is called).
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
