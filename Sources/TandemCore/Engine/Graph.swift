/// A dataflow graph under construction: node instances with ids, and edges from output ports to
/// input ports. Build it in code (see `Examples/`) or from a pipeline file (`Pipeline.makeGraph`),
/// then run it once with `GraphExecution`.
///
/// A graph holds node instances, which carry state, so it is a one-shot value: build a new graph per input file.
public struct Graph {
    /// Where an input port takes its packets from.
    public struct Endpoint: Hashable, Sendable {
        public var node: Int
        public var port: Int
    }

    struct Entry {
        var id: String
        var descriptor: NodeDescriptor
        var node: any Node
        /// For each input port, the output feeding it, once connected.
        var sources: [Endpoint?]
        var capacities: [ChannelCapacity]
    }

    private(set) var entries: [Entry] = []
    /// The bound used for edges connected without an explicit capacity.
    public var defaultCapacity: ChannelCapacity

    public init(defaultCapacity: ChannelCapacity = .standard) {
        self.defaultCapacity = defaultCapacity
    }

    public var nodeIDs: [String] { entries.map(\.id) }

    /// Adds `node` under `id`.
    /// - Throws: `NodeError` `.invalidGraph` when the id is taken.
    public mutating func add(_ id: String, _ node: some Node) throws {
        try add(id, node as any Node)
    }

    /// Adds a node given as an existential (as the catalog creates them).
    public mutating func add(_ id: String, _ node: any Node) throws {
        guard !entries.contains(where: { $0.id == id }) else {
            throw NodeError(code: .invalidGraph, message: "duplicate node id '\(id)'")
        }
        let descriptor = type(of: node).descriptor
        entries.append(Entry(id: id, descriptor: descriptor, node: node,
                             sources: Array(repeating: nil, count: descriptor.inputs.count),
                             capacities: Array(repeating: defaultCapacity, count: descriptor.inputs.count)))
    }

    /// Connects output `fromPort` of node `from` to input `toPort` of node `to`.
    /// - Throws: `NodeError` `.invalidGraph` for an unknown node or port, a kind mismatch, or an
    ///   input that is already connected.
    public mutating func connect(_ from: String, _ fromPort: String, to: String, _ toPort: String,
                                 capacity: ChannelCapacity? = nil) throws {
        guard let source = entries.firstIndex(where: { $0.id == from }) else { throw invalid("no node '\(from)'") }
        guard let target = entries.firstIndex(where: { $0.id == to }) else { throw invalid("no node '\(to)'") }
        guard let output = entries[source].descriptor.outputIndex(fromPort) else {
            throw invalid("node '\(from)' (\(entries[source].descriptor.kind)) has no output '\(fromPort)'")
        }
        guard let input = entries[target].descriptor.inputIndex(toPort) else {
            throw invalid("node '\(to)' (\(entries[target].descriptor.kind)) has no input '\(toPort)'")
        }
        let produced = entries[source].descriptor.outputs[output].kind
        let accepted = entries[target].descriptor.inputs[input].kind
        guard PortSpec.accepts(accepted, produced) else {
            throw invalid("\(from).\(fromPort) carries \(produced) but \(to).\(toPort) takes \(accepted)")
        }
        guard entries[target].sources[input] == nil else { throw invalid("input \(to).\(toPort) is already connected") }
        entries[target].sources[input] = Endpoint(node: source, port: output)
        entries[target].capacities[input] = capacity ?? defaultCapacity
    }

    /// Checks that every required input is connected and that the edges form no cycle.
    /// - Throws: `NodeError` `.invalidGraph`.
    public func check() throws {
        for entry in entries {
            for (index, port) in entry.descriptor.inputs.enumerated() where entry.sources[index] == nil && !port.isOptional {
                throw invalid("input \(entry.id).\(port.name) is not connected")
            }
        }
        if let cycle = cycleMember() { throw invalid("the graph has a cycle through node '\(entries[cycle].id)'") }
    }

    /// Moves each `FrameSelectingNode`'s choice into the node producing its frames, when that
    /// producer is a `FrameSelectionTaking` node whose output feeds nothing else and it accepts: the
    /// decoder then converts only the frames that are kept. Pipelines keep their meaning (the same
    /// frames reach the same consumers); only where the frames are dropped changes. `GraphExecution`
    /// calls it before a run; `--stats` then shows the selecting node passing every frame through.
    public mutating func moveFrameSelectionsUpstream() {
        for index in entries.indices {
            guard var selector = entries[index].node as? any FrameSelectingNode,
                  entries[index].sources.count == 1, let source = entries[index].sources[0] else { continue }
            // Another consumer of the same output needs the frames the selection drops.
            let consumers = entries.reduce(0) { count, entry in count + entry.sources.filter { $0 == source }.count }
            guard consumers == 1, var producer = entries[source.node].node as? any FrameSelectionTaking,
                  producer.takeFrameSelection(selector.frameSelection, onOutput: entries[source.node].descriptor.outputs[source.port].name) else { continue }
            selector.selectionMovedUpstream()
            entries[source.node].node = producer
            entries[index].node = selector
        }
    }

    /// Returns a node on a cycle, if any (depth-first search with colours).
    private func cycleMember() -> Int? {
        var state = [UInt8](repeating: 0, count: entries.count)  // 0 new, 1 on stack, 2 done
        func visit(_ node: Int) -> Int? {
            state[node] = 1
            for source in entries[node].sources.compactMap({ $0 }) {
                if state[source.node] == 1 { return source.node }
                if state[source.node] == 0, let found = visit(source.node) { return found }
            }
            state[node] = 2
            return nil
        }
        for node in entries.indices where state[node] == 0 {
            if let found = visit(node) { return found }
        }
        return nil
    }

    private func invalid(_ message: String) -> NodeError { NodeError(code: .invalidGraph, message: message) }
}
