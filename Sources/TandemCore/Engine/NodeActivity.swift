import Foundation

/// Whether a node is running its own code or idle (waiting for input, or blocked on a full output).
///
/// Multi-input nodes read it to apply the alignment rule without deadlocking: they wait for an
/// empty input only while that input's producer is active, so it will emit or end; when the
/// producer is idle too, waiting could be circular. A node that goes idle pokes its multi-input
/// consumers so they re-evaluate.
final class NodeActivity: @unchecked Sendable {
    // @unchecked: `idle` is guarded by `lock`, a leaf lock (nothing else is taken while holding it);
    // `consumers` is set once before the threads start.
    private let lock = NSLock()
    private var idleFlag = false
    /// Inboxes of multi-input nodes fed by this node.
    var consumers: [Inbox] = []
    /// Consumers this node pushed to without waking them yet (see `Inbox.push`); only the node's
    /// own thread touches it.
    private var deferredWakes: [Inbox] = []

    /// Remembers to wake `inbox`'s consumer before this node next waits or ends a source step.
    func deferWake(_ inbox: Inbox) {
        if !deferredWakes.contains(where: { $0 === inbox }) { deferredWakes.append(inbox) }
    }

    /// Wakes every consumer whose wake-up was deferred.
    func flushWakes() {
        guard !deferredWakes.isEmpty else { return }
        for inbox in deferredWakes { inbox.poke() }
        deferredWakes.removeAll(keepingCapacity: true)
    }

    var isIdle: Bool { lock.withLock { idleFlag } }

    /// Flushes deferred wake-ups, marks the node idle and pokes its multi-input consumers; called
    /// before the node waits, without holding any inbox lock.
    func becomeIdle() {
        flushWakes()
        let changed = lock.withLock { () -> Bool in
            defer { idleFlag = true }
            return !idleFlag
        }
        if changed { for inbox in consumers { inbox.poke() } }
    }

    func becomeActive() { lock.withLock { idleFlag = false } }
}
