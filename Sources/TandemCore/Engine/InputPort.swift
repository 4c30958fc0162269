/// One input port of a node as the node sees it when a packet arrives: the name its descriptor
/// declares, so a node tells its inputs apart by what they are (`switch port.name { case "audio": … }`)
/// rather than by their position in `descriptor.inputs`.
///
/// The engine keeps the position too (`index`), to route packets without looking names up; nodes have
/// no use for it, and renumbering a descriptor's ports cannot silently change what a node does.
public struct InputPort: Sendable, Hashable, CustomStringConvertible {
    /// The port's declared name (`PortSpec.name`).
    public let name: String
    /// The port's position in the node's `descriptor.inputs`, for the engine.
    let index: Int

    init(name: String, index: Int) {
        self.name = name
        self.index = index
    }

    /// The input ports of `descriptor`, in declaration order (what the engine hands to `receive`).
    static func all(of descriptor: NodeDescriptor) -> [InputPort] {
        descriptor.inputs.enumerated().map { InputPort(name: $0.element.name, index: $0.offset) }
    }

    public var description: String { name }
}
