#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The input side of one node: one bounded FIFO per input port, all under one lock, so a node with
/// several inputs can wait for "any input" and pick the next packet by media time.
///
/// Producers call `push` (blocking while the port's queue is full), the node's own thread calls
/// `next()`. `close(port:)` is the explicit end of stream of that port's producer.
///
/// **Alignment rule** for nodes with several inputs: the next packet delivered is the one with the
/// smallest `Packet.time` among the heads of all input queues, ties going to the lower port index. Times
/// compare exactly across forms (an audio sample index against a video pts), so an audio chunk and a
/// frame at the same instant tie, and the tie goes by port, never by floating-point rounding.
/// To be sure no earlier packet is still on its way, the node waits until every input that has not
/// ended holds at least one packet. Two exceptions keep the graph live: a packet without a media
/// time (`time == nil`) is delivered at once, and when a producer is blocked on a full
/// port the earliest queued head is delivered without waiting for the empty ports — waiting there
/// could deadlock a diamond (decode → audio and decode → video into one node) because the producer
/// of the empty port may be the one that is blocked. The exception applies only when the producers
/// of the empty ports are idle themselves (`NodeActivity`); while they run, the node waits for them.
/// Order is therefore exact whenever the empty inputs' producers are working; under back-pressure
/// with idle producers it is best effort, never a deadlock. A node that needs "all of port A up to time t"
/// keeps what it received in its own buffer; this order guarantees that once a packet from port B
/// at time t arrives, every packet of A starting before t has been delivered, unless A's producer
/// was blocked (then A is ahead, never behind).
///
/// A node whose descriptor asks for `InputOrder.arrival` gets its packets as they come instead,
/// taking the ports in turn, each port's packets in their order. With several inputs, the end of
/// each connected port is reported (`Event.ended`) once its queue has drained, so the node can act
/// on a finished input while others go on.
final class Inbox: @unchecked Sendable {
    // @unchecked: every mutable field is read and written only with `monitor` locked.
    private struct PortQueue {
        var packets: [Packet?] = []
        var head = 0
        var bytes = 0
        var ended = false
        var producerWaiting = false
        var highWater = 0
        var highWaterBytes = 0
        var count: Int { packets.count - head }

        mutating func append(_ packet: Packet, bytes size: Int) {
            packets.append(packet)
            bytes += size
            highWater = max(highWater, count)
            highWaterBytes = max(highWaterBytes, bytes)
        }

        mutating func removeFirst() -> Packet {
            let packet = packets[head]!
            packets[head] = nil
            head += 1
            bytes -= packet.byteCount
            if head >= 64, head * 2 >= packets.count {
                packets.removeFirst(head)
                head = 0
            }
            return packet
        }

        var first: Packet? { head < packets.count ? packets[head] : nil }

        /// Removes up to `limit` packets and about `byteLimit` bytes (at least one packet) from the front.
        mutating func removeBatch(limit: Int, byteLimit: Int) -> [Packet] {
            var taken: [Packet] = []
            var takenBytes = 0
            while head < packets.count, taken.count < limit, taken.isEmpty || takenBytes < byteLimit {
                let packet = removeFirst()
                takenBytes += packet.byteCount
                taken.append(packet)
            }
            return taken
        }
    }

    private static let dataArrived = 0, spaceFreed = 1
    private let monitor = Monitor(conditionCount: 2)
    private var ports: [PortQueue]
    private let capacities: [ChannelCapacity]
    private let order: InputOrder
    /// Ports whose end has been handed to the node (`Event.ended`).
    private var endReported: [Bool]
    /// With `.arrival`, the port looked at first next time (ports are taken in turn).
    private var nextPort = 0
    private var consumerWaiting = false
    private var producersWaiting = 0
    private var cancelled = false
    /// The consuming node's activity, marked idle while it waits here.
    var owner: NodeActivity?
    /// Each port's producer's activity (nil for unconnected ports); set before the threads start.
    var producers: [NodeActivity?]

    /// What `next()` hands the node: a packet, or the end of one of several inputs.
    enum Event {
        case packet(Packet, port: Int)
        case ended(port: Int)
    }

    init(capacities: [ChannelCapacity], order: InputOrder = .mediaTime) {
        self.capacities = capacities
        self.order = order
        endReported = Array(repeating: false, count: capacities.count)
        ports = Array(repeating: PortQueue(), count: capacities.count)
        producers = Array(repeating: nil, count: capacities.count)
    }

    /// Makes a waiting consumer re-evaluate (a producer went idle).
    func poke() {
        monitor.withLock { if consumerWaiting { monitor.signal(Self.dataArrived) } }
    }

    /// Appends `packet` to `port`'s queue, waiting while the queue is full.
    /// - Returns: the nanoseconds spent waiting (so busy time can exclude it).
    /// - Throws: `GraphCancelled` when the graph is cancelled while waiting or before.
    func push(_ packet: Packet, port: Int, from producer: NodeActivity?) throws -> UInt64 {
        let size = packet.byteCount
        var waited: UInt64 = 0
        var markedIdle = false
        var wakeLater = false
        monitor.lock()
        defer {
            monitor.unlock()
            if wakeLater { producer?.deferWake(self) }
            if markedIdle { producer?.becomeActive() }
        }
        while !cancelled, isFull(port) {
            let start = Clock.nanoseconds()
            if !markedIdle, let producer {
                // Going idle pokes other consumers; do it without holding this lock (lock order).
                monitor.unlock()
                producer.becomeIdle()
                markedIdle = true
                monitor.lock()
                continue
            }
            ports[port].producerWaiting = true
            producersWaiting += 1
            if consumerWaiting { monitor.signal(Self.dataArrived) }
            monitor.wait(Self.spaceFreed)
            producersWaiting -= 1
            ports[port].producerWaiting = false
            waited &+= Clock.nanoseconds() &- start
        }
        if cancelled { throw GraphCancelled() }
        ports[port].append(packet, bytes: size)
        if consumerWaiting {
            // Waking a thread costs far more than queueing a packet. Below half the bound the wake
            // is deferred until the producer itself waits or finishes a source step (`NodeActivity`),
            // so a waiting consumer is woken once per batch, never later than that.
            if producer != nil, ports[port].count < max(1, capacities[port].packets / 2) {
                wakeLater = true
            } else {
                monitor.signal(Self.dataArrived)
            }
        }
        return waited
    }

    /// Marks the end of `port`'s stream.
    func close(port: Int) {
        monitor.withLock {
            ports[port].ended = true
            if consumerWaiting { monitor.signal(Self.dataArrived) }
        }
    }

    /// Wakes everyone and makes every later `push` and `next` throw `GraphCancelled`.
    func cancel() {
        monitor.withLock {
            cancelled = true
            monitor.broadcast(Self.dataArrived)
            monitor.broadcast(Self.spaceFreed)
        }
    }

    /// The next packet by the alignment rule (or in arrival order), the end of one of several connected
    /// inputs once its queue has drained, or `nil` once every port has ended and drained.
    /// - Throws: `GraphCancelled`.
    func next() throws -> Event? {
        if ports.count == 1 { return try nextOfSinglePort().map { .packet($0, port: 0) } }
        var markedIdle = false
        monitor.lock()
        defer {
            monitor.unlock()
            if markedIdle { owner?.becomeActive() }
        }
        while true {
            if cancelled { throw GraphCancelled() }
            switch choosePort() {
            case .deliver(let port):
                let packet = ports[port].removeFirst()
                if producersWaiting > 0, ports[port].producerWaiting, belowLowWatermark(port) {
                    // The woken producer counts as active from now on, or this node could decide
                    // it is idle before it gets scheduled and break time order needlessly.
                    producers[port]?.becomeActive()
                    monitor.broadcast(Self.spaceFreed)
                }
                return .packet(packet, port: port)
            case .ended(let port):
                endReported[port] = true
                return .ended(port: port)
            case .finished:
                return nil
            case .wait:
                awaitData(markedIdle: &markedIdle)
            }
        }
    }

    /// The consumer's wait, called with the lock held when nothing can be delivered: the first time
    /// it tells the owner it is idle (outside the lock, then returns so the caller looks again), after
    /// that it sleeps until a producer signals data.
    private func awaitData(markedIdle: inout Bool) {
        if !markedIdle, let owner {
            monitor.unlock()
            owner.becomeIdle()
            markedIdle = true
            monitor.lock()
            return
        }
        consumerWaiting = true
        monitor.wait(Self.dataArrived)
        consumerWaiting = false
    }

    /// Packets taken from a single-port queue in one go, handed out one by one without the lock.
    /// Only the consumer's thread touches these two fields.
    private var batch: [Packet] = []
    private var batchIndex = 0

    /// The fast path for the common one-input node: take every queued packet under one lock
    /// acquisition, so lock traffic and wake-ups are per batch, not per packet.
    ///
    /// A batch is at most a quarter of the queue's bound (in packets and in bytes), so a node
    /// holds at most 1.25 times its bound (queue + batch). After `cancel()` it may still see the rest of its current batch; its next
    /// emit or pull then throws `GraphCancelled`.
    private func nextOfSinglePort() throws -> Packet? {
        if batchIndex < batch.count {
            defer { batchIndex += 1 }
            return batch[batchIndex]
        }
        var markedIdle = false
        monitor.lock()
        defer {
            monitor.unlock()
            if markedIdle { owner?.becomeActive() }
        }
        while true {
            if cancelled { throw GraphCancelled() }
            if ports[0].count > 0 {
                batch = ports[0].removeBatch(limit: max(1, capacities[0].packets / 4), byteLimit: max(1, capacities[0].bytes / 4))
                batchIndex = 1
                if ports[0].producerWaiting, belowLowWatermark(0) {
                    producers[0]?.becomeActive()
                    monitor.broadcast(Self.spaceFreed)
                }
                return batch[0]
            }
            if ports[0].ended { return nil }
            awaitData(markedIdle: &markedIdle)
        }
    }

    /// The largest number of packets (and bytes) each port's queue ever held.
    func highWaterMarks() -> [(packets: Int, bytes: Int)] {
        monitor.withLock { ports.map { ($0.highWater, $0.highWaterBytes) } }
    }

    private enum Choice { case deliver(Int), ended(Int), finished, wait }

    private func choosePort() -> Choice {
        if ports.count == 1 {
            if ports[0].count > 0 { return .deliver(0) }
            return ports[0].ended ? .finished : .wait
        }
        // A connected port that ended and drained, while another is still open, is reported once.
        if ports.contains(where: { !$0.ended || $0.count > 0 }) {
            for index in ports.indices where ports[index].ended && ports[index].count == 0 && !endReported[index] && producers[index] != nil {
                return .ended(index)
            }
        }
        if order == .arrival {
            for step in ports.indices {
                let index = (nextPort + step) % ports.count
                if ports[index].count > 0 {
                    nextPort = (index + 1) % ports.count
                    return .deliver(index)
                }
            }
            return ports.allSatisfy(\.ended) ? .finished : .wait
        }
        var best: Int?
        var bestTime: MediaTime?
        var someOpenPortEmpty = false
        var someProducerBlocked = false
        var anyOpen = false
        var emptyProducersIdle = true
        for index in ports.indices {
            let queue = ports[index]
            guard let head = queue.first else {
                if !queue.ended {
                    someOpenPortEmpty = true
                    anyOpen = true
                    if producers[index]?.isIdle == false { emptyProducersIdle = false }
                }
                continue
            }
            anyOpen = true
            if queue.producerWaiting { someProducerBlocked = true }
            guard let time = head.time else { return .deliver(index) }
            if bestTime.map({ time < $0 }) ?? true { best = index; bestTime = time }
        }
        if !anyOpen { return .finished }
        guard let best else { return .wait }
        if !someOpenPortEmpty { return .deliver(best) }
        return someProducerBlocked && emptyProducersIdle ? .deliver(best) : .wait
    }

    private func isFull(_ port: Int) -> Bool {
        let queue = ports[port]
        return queue.count >= capacities[port].packets || (queue.count > 0 && queue.bytes >= capacities[port].bytes)
    }

    private func belowLowWatermark(_ port: Int) -> Bool {
        let queue = ports[port]
        return queue.count <= capacities[port].packets / 2 && queue.bytes <= capacities[port].bytes / 2
    }
}

/// Thrown inside a graph once it has been cancelled; never reported as the cause of a failure.
public struct GraphCancelled: Error, Sendable {}

/// A monotonic clock in nanoseconds, for busy times and wall times.
enum Clock {
    @inline(__always) static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
