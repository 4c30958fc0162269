/// What `write-json` writes for segment packets (labels with scores, notes): top-k labels of a
/// video classifier, lip-activity notes, anything a node emits as segments.
public struct SegmentsDocument: Sendable, Decodable, Equatable {
    public struct Item: Sendable, Decodable, Equatable {
        public var start: Double?
        public var end: Double?
        public var label: String
        public var score: Double?
    }

    public struct Packet: Sendable, Decodable, Equatable {
        public var kind: String
        public var segments: [Item]?
    }

    /// The node id that wrote the file.
    public var node: String?
    public var packets: [Packet]

    /// Every segment of every packet, in order.
    public var items: [Item] { packets.flatMap { $0.segments ?? [] } }
}
