/// Hands a model's layers their tensors by checkpoint key, checking each shape, and reports
/// everything that did not match in one error at the end.
///
/// Layers are built from a reader (`Linear(weights, "encoder.layer.0.output.dense", …)`), asking
/// for the keys the checkpoint itself uses, under the reader's prefix. The reader remembers every
/// key asked for: a missing key or a wrong shape does not stop the build (a zero tensor of the
/// expected shape stands in), so that `finish()` can throw one `WeightsError(.parameterMismatch)`
/// naming every missing, unexpected and misshapen tensor, with the file each was found in.
/// A model never runs on those stand-ins: its loader calls `finish()` before returning.
///
/// A reader can also generate tensors instead of reading them (random weights for benchmarks, or
/// zeros to list a model's parameters); then nothing is ever missing.
public struct WeightReader {
    /// How a checkpoint format spells parameter names.
    public struct Naming: Sendable, Hashable {
        /// Between the parts of a key: `.` (PyTorch state dicts), `/` (CTranslate2).
        public var separator: String
        /// A normalisation layer's scale and shift: `weight`/`bias`, or CTranslate2's `gamma`/`beta`.
        public var normScale: String
        public var normShift: String

        public init(separator: String, normScale: String, normShift: String) {
            self.separator = separator
            self.normScale = normScale
            self.normShift = normShift
        }

        /// PyTorch's `state_dict()` names (safetensors from transformers, diffusers, converters).
        public static let pyTorch = Naming(separator: ".", normScale: "weight", normShift: "bias")
        /// CTranslate2's `model.bin` names.
        public static let cTranslate2 = Naming(separator: "/", normScale: "gamma", normShift: "beta")
    }

    /// The shared record of one load: every reader scoped from the same root writes here.
    final class Ledger {
        let source: (any WeightSource)?
        let generate: ((String, [Int]) -> Tensor)?
        var requested: [String: [Int]] = [:]
        var missing: [String] = []
        var wrongShape: [WeightsError.ShapeMismatch] = []

        init(source: (any WeightSource)?, generate: ((String, [Int]) -> Tensor)?) {
            self.source = source
            self.generate = generate
        }
    }

    let ledger: Ledger
    /// Prepended to every key asked for (with the separator): maps a layer's names into the checkpoint.
    public let prefix: String
    public let naming: Naming

    /// A reader over a checkpoint.
    public init(_ source: any WeightSource, naming: Naming = .pyTorch, prefix: String = "") {
        self.init(ledger: Ledger(source: source, generate: nil), prefix: prefix, naming: naming)
    }

    /// A reader that makes every tensor with `generate(key, shape)` (random weights, or zeros to list parameters).
    public init(generating generate: @escaping (String, [Int]) -> Tensor, naming: Naming = .pyTorch, prefix: String = "") {
        self.init(ledger: Ledger(source: nil, generate: generate), prefix: prefix, naming: naming)
    }

    init(ledger: Ledger, prefix: String, naming: Naming) {
        self.ledger = ledger
        self.prefix = prefix
        self.naming = naming
    }

    /// The checkpoint this reader reads, nil when it generates.
    public var source: (any WeightSource)? { ledger.source }

    /// The full key of `name` under this reader's prefix.
    public func key(_ name: String) -> String {
        guard !prefix.isEmpty else { return name }
        guard !name.isEmpty else { return prefix }
        return prefix + naming.separator + name
    }

    /// A reader for the keys under `name` (a layer, a block), sharing this one's record.
    public func scoped(_ name: String) -> WeightReader {
        WeightReader(ledger: ledger, prefix: key(name), naming: naming)
    }

    /// A reader whose prefix is `prefix` exactly, sharing this one's record (maps one naming tree onto another).
    public func rooted(at prefix: String) -> WeightReader {
        WeightReader(ledger: ledger, prefix: prefix, naming: naming)
    }

    /// Whether the checkpoint holds `name` (under the prefix); a generating reader holds everything.
    public func contains(_ name: String) -> Bool {
        guard let source = ledger.source else { return true }
        return source.shape(of: key(name)) != nil
    }

    /// The stored shape of `name`, without reading it (nil when absent or when generating).
    public func shape(of name: String) -> [Int]? { ledger.source?.shape(of: key(name)) }

    /// Reads `name`, which must have `shape`.
    ///
    /// A missing tensor or one of another shape is recorded for `finish()` and a zero tensor of
    /// `shape` is returned so the rest of the model can still be built and checked.
    public func tensor(_ name: String, shape: [Int]) -> Tensor {
        let full = key(name)
        ledger.requested[full] = shape
        guard let source = ledger.source else { return ledger.generate!(full, shape) }
        guard let found = source.shape(of: full) else {
            ledger.missing.append(full)
            return Tensor(zeros: shape)
        }
        guard found == shape else {
            ledger.wrongShape.append(.init(name: full, expected: shape, found: found, file: source.location(of: full)))
            return Tensor(zeros: shape)
        }
        do {
            return try source.tensor(named: full)
        } catch {
            // The source validated its table when it opened, so this is a read failure: report it as missing.
            ledger.missing.append(full)
            return Tensor(zeros: shape)
        }
    }

    /// Every key asked for so far, with the shape asked for.
    public var requested: [String: [Int]] { ledger.requested }

    /// Checkpoint keys nobody asked for, sorted.
    public var unusedKeys: [String] {
        guard let source = ledger.source else { return [] }
        return source.tensorNames.filter { ledger.requested[$0] == nil }
    }

    /// Throws when any key was missing or misshapen, or when a checkpoint key went unused.
    /// - Parameter ignoring: checkpoint keys allowed to stay unused (tied heads, training-only buffers).
    /// - Throws: `WeightsError(.parameterMismatch)` with the three lists, the source's path, and each
    ///   wrong shape's file.
    public func finish(ignoring: (String) -> Bool = { _ in false }) throws {
        let unexpected = unusedKeys.filter { !ignoring($0) }
        let missing = Array(Set(ledger.missing)).sorted()
        let wrongShape = ledger.wrongShape.sorted { $0.name < $1.name }
        guard !missing.isEmpty || !unexpected.isEmpty || !wrongShape.isEmpty else { return }
        var error = WeightsError(.parameterMismatch, file: ledger.source?.sourcePath,
                                 "\(missing.count) missing, \(unexpected.count) unexpected, \(wrongShape.count) wrongly shaped tensors")
        error.missing = missing
        error.unexpected = unexpected
        error.wrongShape = wrongShape
        throw error
    }
}
