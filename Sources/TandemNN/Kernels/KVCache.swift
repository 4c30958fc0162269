/// The keys and values a decoder has already computed, so each step attends to them without
/// recomputing: per sequence of the batch, `length` positions of `width` features.
///
/// The storage is [B, capacity, D] and grows by doubling, so a step appends its keys in place
/// (amortised O(B · l · D)) instead of copying the whole cache, and attention reads the first
/// `length` positions of each row where they lie. Beam search reorders the rows with
/// `selectRows`, which gathers into a second buffer kept for the purpose, so steady decoding
/// allocates nothing.
public struct KVCache: Sendable {
    public private(set) var batch: Int
    public let width: Int
    /// Positions cached so far.
    public private(set) var length = 0
    public private(set) var capacity: Int
    private var keyStorage: Tensor
    private var valueStorage: Tensor
    /// The gather target of `selectRows` (swapped with the storage after each gather).
    private var spareKeys: Tensor?
    private var spareValues: Tensor?

    /// An empty cache for `batch` sequences of `width` features, with room for `capacity` positions
    /// before the first reallocation.
    public init(batch: Int, width: Int, capacity: Int = 0) {
        self.batch = batch
        self.width = width
        self.capacity = capacity
        keyStorage = Tensor(zeros: [batch, capacity, width])
        valueStorage = Tensor(zeros: [batch, capacity, width])
    }

    /// The cached keys, [B, length, D] (a copy).
    public var keys: Tensor { Self.prefix(keyStorage, length: length) }
    /// The cached values, [B, length, D] (a copy).
    public var values: Tensor { Self.prefix(valueStorage, length: length) }

    /// Appends [B, l, D] keys and values.
    public mutating func append(keys newKeys: Tensor, values newValues: Tensor) {
        precondition(newKeys.rank == 3 && newKeys.shape == newValues.shape && newKeys.shape[0] == batch && newKeys.shape[2] == width,
                     "cache of \(batch) × \(width) cannot take \(newKeys.shape)")
        let steps = newKeys.shape[1]
        newKeys.withUnsafeBufferPointer { k in
            newValues.withUnsafeBufferPointer { v in
                append(steps: steps, keys: k.baseAddress!, values: v.baseAddress!, rowStride: width)
            }
        }
    }

    /// Appends the keys and values of a fused projection [B, l, 3D] laid out [q | k | v].
    public mutating func append(fusedQKV qkv: Tensor) {
        precondition(qkv.rank == 3 && qkv.shape[0] == batch && qkv.shape[2] == 3 * width,
                     "cache of \(batch) × \(width) cannot take fused \(qkv.shape)")
        let steps = qkv.shape[1]
        qkv.withUnsafeBufferPointer { x in
            append(steps: steps, keys: x.baseAddress! + width, values: x.baseAddress! + 2 * width, rowStride: 3 * width)
        }
    }

    /// Keeps row `rows[i]` as row i (beam search: each surviving beam's history); the batch becomes
    /// `rows.count` rows (a first step's one row fans out to the beams).
    /// - Complexity: O(rows.count · length · D).
    public mutating func selectRows(_ rows: [Int]) {
        precondition(rows.allSatisfy { $0 >= 0 && $0 < batch }, "rows \(rows) of a batch of \(batch)")
        if rows.count == batch && rows.enumerated().allSatisfy({ $0.offset == $0.element }) { return }
        let sameSize = rows.count == batch
        var keys = (sameSize ? spareKeys : nil) ?? Tensor(zeros: [rows.count, capacity, width])
        var values = (sameSize ? spareValues : nil) ?? Tensor(zeros: [rows.count, capacity, width])
        spareKeys = nil
        spareValues = nil
        let rowSize = capacity * width, used = length * width
        func gather(_ source: Tensor, into target: inout Tensor) {
            source.withUnsafeBufferPointer { from in
                target.withUnsafeMutableBufferPointer { to in
                    for (i, row) in rows.enumerated() where used > 0 {
                        (to.baseAddress! + i * rowSize).update(from: from.baseAddress! + row * rowSize, count: used)
                    }
                }
            }
        }
        gather(keyStorage, into: &keys)
        gather(valueStorage, into: &values)
        if sameSize {
            spareKeys = keyStorage
            spareValues = valueStorage
        }
        keyStorage = keys
        valueStorage = values
        batch = rows.count
    }

    /// Forgets everything (a new sequence); the storage is kept.
    public mutating func removeAll() {
        length = 0
    }

    /// Reads the storage in place: keys, values and the storage's capacity (row b, position t
    /// starts at `b · capacity · D + t · D`).
    public func withUnsafeStorage<R>(_ body: (UnsafePointer<Float>, UnsafePointer<Float>, Int) throws -> R) rethrows -> R {
        try keyStorage.withUnsafeBufferPointer { k in
            try valueStorage.withUnsafeBufferPointer { v in
                try body(k.baseAddress!, v.baseAddress!, capacity)
            }
        }
    }

    private mutating func append(steps: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, rowStride: Int) {
        reserve(length + steps)
        let rowSize = capacity * width
        let start = length
        func copy(_ source: UnsafePointer<Float>, into storage: inout Tensor) {
            storage.withUnsafeMutableBufferPointer { buffer in
                for b in 0..<batch {
                    for t in 0..<steps {
                        (buffer.baseAddress! + b * rowSize + (start + t) * width)
                            .update(from: source + (b * steps + t) * rowStride, count: width)
                    }
                }
            }
        }
        copy(keys, into: &keyStorage)
        copy(values, into: &valueStorage)
        length += steps
    }

    private mutating func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        let newCapacity = max(needed, 2 * capacity, 16)
        func grow(_ storage: Tensor) -> Tensor {
            storage.withUnsafeBufferPointer { old in
                Tensor(shape: [batch, newCapacity, width]) { new in
                    new.initialize(repeating: 0)
                    for b in 0..<batch where length > 0 {
                        (new.baseAddress! + b * newCapacity * width).update(from: old.baseAddress! + b * capacity * width, count: length * width)
                    }
                }
            }
        }
        keyStorage = grow(keyStorage)
        valueStorage = grow(valueStorage)
        spareKeys = nil
        spareValues = nil
        capacity = newCapacity
    }

    private static func prefix(_ storage: Tensor, length: Int) -> Tensor {
        let (batch, capacity, width) = (storage.shape[0], storage.shape[1], storage.shape[2])
        return storage.withUnsafeBufferPointer { source in
            Tensor(shape: [batch, length, width]) { out in
                for b in 0..<batch where length > 0 {
                    (out.baseAddress! + b * length * width).initialize(from: source.baseAddress! + b * capacity * width, count: length * width)
                }
            }
        }
    }
}
