import Foundation

/// One share of a batch: input `i` belongs to shard `index` of `count` when the FNV-1a 64-bit hash
/// of its relative path, modulo `count`, equals `index`.
///
/// The hash depends on nothing but the path text, so every machine of a cluster job computes the
/// same partition without talking to the others: the union of all shards is the whole input set
/// and no input is in two shards.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// 0-based.
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, (0..<count).contains(index) else {
            throw ShardProblem(message: "shard \(index)/\(count) is out of range; use I/N with 0 ≤ I < N")
        }
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// Parses `I/N` (0-based I).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw ShardProblem(message: "--shard wants I/N (e.g. 0/4), got '\(text)'")
        }
        try self.init(index: index, count: count)
    }

    /// The shard a cluster scheduler assigned: Slurm job arrays (`SLURM_ARRAY_TASK_ID`,
    /// `SLURM_ARRAY_TASK_COUNT`, offset by `SLURM_ARRAY_TASK_MIN`) or Kubernetes Indexed Jobs
    /// (`JOB_COMPLETION_INDEX`, with the shard count from `shards`, i.e. `--shards N`).
    /// - Returns: `nil` when no scheduler variable is set.
    /// - Throws: `ShardProblem` for malformed values or a Kubernetes index without `--shards`.
    public static func fromEnvironment(_ environment: [String: String], shards: Int?) throws -> Shard? {
        if let id = environment["SLURM_ARRAY_TASK_ID"] {
            guard let task = Int(id) else { throw ShardProblem(message: "SLURM_ARRAY_TASK_ID '\(id)' is not a number") }
            let minimum = environment["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) ?? 0
            guard let count = shards ?? environment["SLURM_ARRAY_TASK_COUNT"].flatMap(Int.init) else {
                throw ShardProblem(message: "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; pass --shards N")
            }
            return try Shard(index: task - minimum, count: count)
        }
        if let value = environment["JOB_COMPLETION_INDEX"] {
            guard let index = Int(value) else { throw ShardProblem(message: "JOB_COMPLETION_INDEX '\(value)' is not a number") }
            guard let shards else { throw ShardProblem(message: "JOB_COMPLETION_INDEX is set; pass --shards N (the Job's completions)") }
            return try Shard(index: index, count: shards)
        }
        return nil
    }

    /// Whether the input with this relative path belongs to this shard.
    public func contains(_ relativePath: String) -> Bool {
        Int(Self.fnv1a64(relativePath) % UInt64(count)) == index
    }

    /// The 64-bit FNV-1a hash of the UTF-8 bytes of `text`.
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}

/// A shard specification that cannot be used.
public struct ShardProblem: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
