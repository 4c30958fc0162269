/// What one node did during one run, printed by `--stats` and written to the manifest.
public struct NodeStatistics: Sendable, Codable, Equatable {
    public var id: String
    public var kind: String
    public var packetsIn: Int
    public var packetsOut: Int
    /// Seconds spent inside the node's own code (time blocked on a full output queue excluded).
    public var busySeconds: Double
    /// The most packets any of the node's input queues held at once.
    public var queueHighWater: Int
    /// The most bytes any of the node's input queues held at once.
    public var queueHighWaterBytes: Int

    enum CodingKeys: String, CodingKey {
        case id, kind
        case packetsIn = "packets_in", packetsOut = "packets_out", busySeconds = "busy_seconds"
        case queueHighWater = "queue_high_water", queueHighWaterBytes = "queue_high_water_bytes"
    }

    public init(id: String, kind: String, packetsIn: Int, packetsOut: Int, busySeconds: Double, queueHighWater: Int,
                queueHighWaterBytes: Int) {
        self.id = id
        self.kind = kind
        self.packetsIn = packetsIn
        self.packetsOut = packetsOut
        self.busySeconds = busySeconds
        self.queueHighWater = queueHighWater
        self.queueHighWaterBytes = queueHighWaterBytes
    }
}
