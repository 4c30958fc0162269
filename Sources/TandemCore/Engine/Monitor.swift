#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex with any number of condition variables bound to it (a classic monitor).
///
/// The engine's channels need two conditions on one lock — "data arrived" for the consumer and
/// "space freed" for the producers — which `NSCondition` (one condition per lock) cannot express.
/// The corresponding C functions are `pthread_mutex_*` and `pthread_cond_*`.
final class Monitor: @unchecked Sendable {
    // @unchecked: the pthread objects are themselves the synchronisation; they are only touched through them.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var conditions: [UnsafeMutablePointer<pthread_cond_t>] = []

    /// Creates the monitor with `conditionCount` conditions, addressed by index in `wait`/`signal`.
    init(conditionCount: Int) {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        for _ in 0..<conditionCount {
            let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
            pthread_cond_init(condition, nil)
            conditions.append(condition)
        }
    }

    deinit {
        for condition in conditions {
            pthread_cond_destroy(condition)
            condition.deallocate()
        }
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always) func lock() { pthread_mutex_lock(mutex) }
    @inline(__always) func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` with the lock held.
    @inline(__always) func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits on condition `index`; the lock must be held and is held again on return.
    @inline(__always) func wait(_ index: Int) { pthread_cond_wait(conditions[index], mutex) }

    /// Wakes one waiter of condition `index`.
    @inline(__always) func signal(_ index: Int) { pthread_cond_signal(conditions[index]) }

    /// Wakes every waiter of condition `index`.
    @inline(__always) func broadcast(_ index: Int) { pthread_cond_broadcast(conditions[index]) }
}
