import Foundation

/// Loaded models shared by every graph of a process.
///
/// The batch runner builds one graph per input file; loading a checkpoint per file would cost more
/// than many inputs' inference (Whisper tiny.en: 0.2 s, TimeSformer base: seconds and 480 MB).
/// The models are immutable after loading and `Sendable`, so one instance serves concurrent graphs.
/// @unchecked Sendable: `models` and `loading` are only touched while holding `lock`.
final class ModelCache: @unchecked Sendable {
    static let shared = ModelCache()

    private let lock = NSCondition()
    private var models: [String: any Sendable] = [:]
    private var loading: Set<String> = []

    /// The model cached under `key`, loading it with `load` the first time. Concurrent callers for
    /// the same key wait for the one load; a failed load is not cached, so the next caller retries.
    func model<Model: Sendable>(_ key: String, load: () throws -> Model) throws -> Model {
        lock.lock()
        while loading.contains(key) { lock.wait() }
        if let model = models[key] as? Model {
            lock.unlock()
            return model
        }
        loading.insert(key)
        lock.unlock()
        defer {
            lock.lock()
            loading.remove(key)
            lock.broadcast()
            lock.unlock()
        }
        let model = try load()
        lock.lock()
        models[key] = model
        lock.unlock()
        return model
    }
}
