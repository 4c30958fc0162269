import Foundation
import TandemCore

/// Sparse index-based sampling on several cores: the walks from a key frame to the targets that
/// depend on it are independent, so each runs on its own single-threaded decoder (`GOPDecoder`),
/// side by side. Frames are the same as the sequential path's: the same packets reach a decoder
/// that starts from the same key frame, with the same frames skipped.
extension FrameReader {
    /// The most targets one walk may answer on this path, and the most frames one round holds
    /// before they are handed out: memory stays bounded whatever the sampling. A walk with more
    /// targets (dense sampling inside one GOP) goes the sequential way, decoding forward once.
    static let parallelRoundTargets = 16

    /// Decodes the next round of walks side by side and queues their frames.
    /// - Returns: false when the next target is better taken by the sequential path (one decoder
    ///   wanted, an inexact index, seeking given up, or a GOP with many targets).
    func stepParallel(_ targets: inout TargetState) throws -> Bool {
        guard parallelDecoders > 1, !parallelGivenUp, targets.exact, !seekingDisabled, let index,
              targets.next < targets.ascending.count else { return false }
        // The reader's own decoder is already inside the next target's GOP: going on from there is cheaper.
        if let last = lastReadEntry, index.seekEntry(forFrame: targets.ascending[targets.next]) <= last { return false }
        // As many walks as a round's frames allow: the decoders wait for each other only at the end
        // of a round, so fewer, larger rounds leave a core idle less often.
        let walks = FrameReader.nextWalks(targets.ascending, from: targets.next, index: index,
                                          maxWalks: FrameReader.parallelRoundTargets, maxTargets: FrameReader.parallelRoundTargets)
        guard !walks.isEmpty else { return false }

        let count = min(parallelDecoders, walks.count)
        while gopDecoders.count < count {
            if let spare = spareInputs.popLast() {
                gopDecoders.append(try GOPDecoder(input: spare, streamIndex: streamIndex, parameters: input))
            } else {
                gopDecoders.append(try GOPDecoder(path: path, streamIndex: streamIndex, parameters: input))
            }
        }
        spareInputs = []
        let before = gopDecoders.map { ($0.decodedCount, $0.seekCount) }
        // Longest walk first (packets from the key frame to the last target): the round ends with short
        // walks, so the decoders finish close together.
        let order = walks.indices.sorted { FrameReader.length(of: walks[$0], index: index) > FrameReader.length(of: walks[$1], index: index) }
        let results = WalkResults(order: order, decoders: Array(gopDecoders.prefix(count)))
        DispatchQueue.concurrentPerform(iterations: count) { worker in
            let decoder = results.decoder(worker)
            while let walk = results.claim() {
                do {
                    results.store(.success(try decoder.run(walks[walk], index: index)), at: walk)
                } catch {
                    results.store(.failure(error), at: walk)
                }
            }
        }
        for (decoder, (decoded, seeks)) in zip(gopDecoders, before) {
            decodedCount += decoder.decodedCount - decoded
            seekCount += decoder.seekCount - seeks
        }

        for (walk, result) in zip(walks, results.take()) {
            let answers: [GOPDecoder.Answer]
            switch result {
            case .success(let found): answers = found
            case .failure(let error as MediaError): throw error
            case .failure:
                // The seek landed late or the file is damaged here: the sequential path knows how to
                // go on (decoding from the start, or returning the frames before the damage).
                parallelGivenUp = true
                return true
            }
            var made: (index: Int, frame: VideoFrame)?
            for answer in answers {
                if made?.index != answer.frameIndex {
                    made = (answer.frameIndex, try makeFrame(answer.frame, index: answer.frameIndex))
                }
                lastDecodedPts = made!.frame.pts
                let answered = targets.ascending[targets.next]
                if targets.streamsInOrder {
                    queue.append(contentsOf: repeatElement(made!.frame, count: targets.multiplicity[answered] ?? 1))
                } else {
                    targets.captured[answered] = made!.frame
                }
                targets.next += 1
            }
            if answers.count < walk.targets.count {
                // The stream ended before this walk's last targets: nothing after them can be returned.
                targets.next = targets.ascending.count
                finishTargets(&targets)
                return true
            }
        }
        return true
    }

    /// The packets a walk reads: from its key frame to its last target's packet, in decode order.
    static func length(of walk: GOPDecoder.Walk, index: PacketIndex) -> Int {
        index.entryOfFrame[walk.targets.last!] - walk.seekEntry + 1
    }

    /// The walks for the targets `ascending[start...]`: consecutive targets that start from the
    /// same key frame share one walk. Stops before a walk that would pass `maxTargets` in all.
    static func nextWalks(_ ascending: [Int], from start: Int, index: PacketIndex, maxWalks: Int, maxTargets: Int) -> [GOPDecoder.Walk] {
        var walks: [GOPDecoder.Walk] = []
        var held = 0
        var i = start
        while i < ascending.count && walks.count < maxWalks {
            let entry = index.seekEntry(forFrame: ascending[i])
            var group: [Int] = []
            var j = i
            while j < ascending.count && index.seekEntry(forFrame: ascending[j]) == entry && held + group.count < maxTargets {
                group.append(ascending[j])
                j += 1
            }
            // A GOP whose targets do not all fit ends the round (and, first, goes the sequential way).
            if j < ascending.count && index.seekEntry(forFrame: ascending[j]) == entry { break }
            walks.append(GOPDecoder.Walk(seekEntry: entry, targets: group))
            held += group.count
            i = j
        }
        return walks
    }
}

/// The walks of one round, handed out to the decoders one at a time in a given order, and what each produced.
///
/// `@unchecked Sendable`: every access goes through `lock`. The decoders and the decoded frames it
/// holds are not shared: decoder `w` is used by worker `w` alone while the round runs, and the frames
/// are handed over whole from the thread that decoded them to the reader's thread after it.
private final class WalkResults: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let order: [Int]
    private var results: [Result<[GOPDecoder.Answer], any Error>?]
    private let decoders: [GOPDecoder]

    /// - Parameter order: the walks (indices) in the order they are handed out.
    init(order: [Int], decoders: [GOPDecoder]) {
        self.order = order
        results = Array(repeating: nil, count: order.count)
        self.decoders = decoders
    }

    /// The decoder of worker `worker`, for that worker alone.
    func decoder(_ worker: Int) -> GOPDecoder { lock.withLock { decoders[worker] } }

    /// The next walk no decoder has taken, if any.
    func claim() -> Int? {
        lock.withLock {
            guard next < order.count else { return nil }
            defer { next += 1 }
            return order[next]
        }
    }

    func store(_ result: Result<[GOPDecoder.Answer], any Error>, at walk: Int) {
        lock.withLock { results[walk] = result }
    }

    /// Every walk's result, in walk order (after all decoders have returned).
    func take() -> [Result<[GOPDecoder.Answer], any Error>] {
        lock.withLock { results.map { $0! } }
    }
}
