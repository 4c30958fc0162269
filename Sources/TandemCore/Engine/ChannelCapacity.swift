/// The bound of one edge's queue: a producer waits while the queue holds `packets` packets or
/// `bytes` bytes (`Packet.byteCount`), whichever is reached first.
///
/// A single packet larger than `bytes` is still admitted into an empty queue, so huge frames flow
/// one at a time instead of blocking forever. Producers blocked on a full queue are woken when it
/// drains to half its bound (a low watermark), so wake-ups come in batches, not per packet.
public struct ChannelCapacity: Sendable, Hashable {
    public var packets: Int
    public var bytes: Int

    public init(packets: Int, bytes: Int) {
        precondition(packets >= 1 && bytes >= 1, "a channel must hold at least one packet")
        self.packets = packets
        self.bytes = bytes
    }

    /// 256 packets or 16 MiB: for small packets (audio chunks, embeddings, segments) the count
    /// bounds the queue — a large count keeps thread wake-ups rare, and 256 audio chunks of 4096
    /// stereo samples are 8 MiB; for frames the bytes do (two or three 1080p RGB frames, about
    /// twenty at 640×360). Queueing latency does not matter in batch work; memory does.
    public static let standard = ChannelCapacity(packets: 256, bytes: 16 << 20)
}
