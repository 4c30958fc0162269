import CFFmpeg
import TandemCore

/// Index-based sampling (`uniform`, `segments`, `clips`, `timestamps`): seek to the key frame a target
/// needs, decode forward, keep exactly the frames whose pts rank is a target.
extension FrameReader {

    struct TargetState {
        /// Frame indices in output order (may repeat, may go backwards).
        let order: [Int]
        /// The distinct indices, ascending: the order frames are decoded in.
        let ascending: [Int]
        /// How often each index occurs in `order`.
        let multiplicity: [Int: Int]
        /// True when `order` never goes backwards: frames are handed out as soon as they are decoded.
        let streamsInOrder: Bool
        /// True when the packet index numbers frames by pts (else frames are counted while decoding).
        let exact: Bool
        /// The pts of the targets, so their packets are never skipped as non-reference frames.
        let wantedPts: Set<Int64>
        var next = 0
        /// Frames kept until all are decoded, when `order` is not ascending.
        var captured: [Int: VideoFrame] = [:]

        init(order: [Int], exact: Bool, index: PacketIndex) {
            self.order = order
            ascending = Array(Set(order)).sorted()
            multiplicity = order.reduce(into: [:]) { $0[$1, default: 0] += 1 }
            streamsInOrder = zip(order, order.dropFirst()).allSatisfy { $0 <= $1 }
            self.exact = exact
            wantedPts = exact ? Set(ascending.map { index.sortedPts[$0] }) : []
        }
    }

    /// Tracks where the demuxer is in the index, and checks that a seek landed at or before its key frame.
    func noteRead(_ packet: FFPacket) {
        guard let index else { return }
        let entry = index.entry(pts: packet.pts)
        if let limit = landingLimit {
            landingLimit = nil
            if entry == nil || entry! > limit { landedLate = true }
        }
        if let entry { lastReadEntry = entry }
    }

    func stepTargets(_ targets: inout TargetState) throws {
        guard targets.next < targets.ascending.count else {
            finishTargets(&targets)
            return
        }
        if try stepParallel(&targets) { return }
        let target = targets.ascending[targets.next]
        if targets.exact, let index, !seekingDisabled {
            let start = index.seekEntry(forFrame: target)
            if lastReadEntry.map({ start > $0 }) ?? (start > 0) {
                try seek(toEntry: start, index: index)
            }
        }
        // Decode forward until the target (or, if the decoder cannot produce it, the next frame after it).
        while true {
            guard try decode() else {
                // The stream ended before the remaining targets: nothing more can be returned.
                targets.next = targets.ascending.count
                finishTargets(&targets)
                return
            }
            if landedLate {
                // The demuxer landed after the key frame we need: start over from the file's first
                // packet and decode forward from there for the rest of this reader's life.
                landedLate = false
                seekingDisabled = true
                try restartFromBeginning()
                continue
            }
            let frameIndex = targets.exact ? indexOfDecoded() : decodedCount - 1
            if frameIndex < target { continue }
            let frame = try makeFrame(loop.frame, index: frameIndex)
            // One decoded frame may answer several targets when the decoder skipped one.
            while targets.next < targets.ascending.count && targets.ascending[targets.next] <= frameIndex {
                let answered = targets.ascending[targets.next]
                if targets.streamsInOrder {
                    queue.append(contentsOf: repeatElement(frame, count: targets.multiplicity[answered] ?? 1))
                } else {
                    targets.captured[answered] = frame
                }
                targets.next += 1
            }
            return
        }
    }

    func finishTargets(_ targets: inout TargetState) {
        finished = true
        if !targets.streamsInOrder {
            queue.append(contentsOf: targets.order.compactMap { targets.captured[$0] })
            targets.captured = [:]
        }
    }

    func seek(toEntry entry: Int, index: PacketIndex) throws {
        try openLoop().seek(timestamp: index.seekTimestamp(entry: entry))
        seekCount += 1
        landingLimit = entry
        lastReadEntry = nil
    }

    // MARK: timestamps

    /// The frame on screen at `seconds` on the file clock: the last frame whose time is not after it.
    /// Only packets with a pts are ranked: in an inexact index (a damaged file's packets without one)
    /// they are fewer than `frameCount`, and the frame is then the rank among them.
    static func frameOnScreen(at seconds: Double, index: PacketIndex, clock: MediaClock, timeBase: Rational) -> Int {
        guard !index.sortedPts.isEmpty else { return 0 }
        let pts = Int64(((seconds + Double(clock.originMicroseconds) / 1e6) / timeBase.doubleValue).rounded(.down))
        var low = 0, high = index.sortedPts.count
        while low < high {
            let mid = (low + high) / 2
            if index.sortedPts[mid] <= pts { low = mid + 1 } else { high = mid }
        }
        return max(0, low - 1)
    }
}
