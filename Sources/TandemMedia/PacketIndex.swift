import CFFmpeg
import Foundation

/// Every frame of a video stream, found by demuxing the whole file once without decoding
/// (as TorchCodec's exact mode does), so frame counts and positions never depend on headers.
///
/// A frame's index is the rank of its pts among all the stream's pts: the position a full
/// sequential decode gives it, since a decoder outputs frames in presentation order.
struct PacketIndex {
    struct Entry: Equatable {
        var pts: Int64
        var dts: Int64
        var isKey: Bool
    }

    /// The stream's packets in decode (file) order.
    private(set) var entries: [Entry] = []
    /// All pts in presentation order; `sortedPts[i]` is the pts of frame i.
    private(set) var sortedPts: [Int64] = []
    /// For frame i, the position of its packet in `entries`.
    private(set) var entryOfFrame: [Int] = []
    /// False when some packet has no pts: then frames can only be counted by decoding.
    private(set) var isExact = true

    /// The number of frames: pts-bearing packets, or every packet when some have no pts.
    var frameCount: Int { isExact ? sortedPts.count : entries.count }

    /// Demuxes `path` (stream `streamIndex`) once and records every packet.
    ///
    /// Packet data is read too: demuxers give no timestamps for packets they are told to skip
    /// (MP4's sample tables hold them, but FFmpeg drops a discarded stream's packets), and on a
    /// page-cached file the read is a small part of the cost of a sparse sampling.
    init(path: String, streamIndex: Int) throws {
        var unused: [FFInputContext] = []
        try self.init(path: path, streamIndex: streamIndex, keepingInputs: &unused)
    }

    /// Builds the index as `init(path:streamIndex:)` does and appends the demuxers it read with to
    /// `inputs` (opened, every other stream discarded, positioned anywhere): a caller that goes on
    /// to seek and decode need not open and parse the file's header again.
    init(path: String, streamIndex: Int, keepingInputs inputs: inout [FFInputContext]) throws {
        // Most containers list their streams in the header; the others (MPEG-TS) need probing.
        var input = try FFInputContext(path: path, findStreamInfo: false)
        if streamIndex >= input.streamCount {
            input = try FFInputContext(path: path)
        }
        input.discardAll(except: streamIndex)
        inputs.append(input)
        if let halves = try PacketIndex.readInHalves(input, path: path, streamIndex: streamIndex) {
            entries = halves.entries
            inputs.append(halves.second)
        } else {
            entries = PacketIndex.read(input, streamIndex: streamIndex, stop: nil).entries
        }
        isExact = !entries.contains { $0.pts == tandem_AV_NOPTS_VALUE }
        let order = entries.indices.filter { entries[$0].pts != tandem_AV_NOPTS_VALUE }.sorted { entries[$0].pts < entries[$1].pts }
        entryOfFrame = order
        sortedPts = order.map { entries[$0].pts }
        // Two packets with one pts cannot be told apart by pts: treat the index as inexact.
        if zip(sortedPts, sortedPts.dropFirst()).contains(where: { $0 == $1 }) { isExact = false }
    }

    /// The stream's packets from where `input` is to the end, or up to (not including) the packet
    /// `stop` accepts. A read failure part-way (a truncated file) ends the list: it holds the frames
    /// that can be read, and decoding reports the damage when it gets there.
    /// - Returns: the entries, and whether `stop` matched.
    static func read(_ input: FFInputContext, streamIndex: Int, stop: ((FFPacket) -> Bool)?) -> (entries: [Entry], stopped: Bool) {
        var entries: [Entry] = []
        let packet = FFPacket()
        while (try? input.read(into: packet)) == .packet {
            defer { packet.unref() }
            guard packet.streamIndex == streamIndex, !packet.isDiscarded else { continue }
            if let stop, stop(packet) { return (entries, true) }
            entries.append(Entry(pts: packet.pts, dts: packet.dts, isKey: packet.isKeyFrame))
        }
        return (entries, false)
    }

    /// The containers whose packets after a seek to a key frame are exactly those a sequential read
    /// gives from there (MP4 reads its sample table, Matroska its clusters), so two halves join.
    static let splittableContainers: Set<String> = ["mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"]

    /// Reads the file in two halves at once, on two cores: a second demuxer seeks to the key frame
    /// before the middle and reads from there to the end, while this one reads from the start up to
    /// that key frame's packet (recognised by its byte position and timestamps). Demuxing is most of
    /// an index's cost on a long file, and sparse sampling waits for the whole index.
    ///
    /// - Returns: the entries, whether the two halves were joined and the second demuxer, or `nil` when the file is not split this way (one core, another
    ///   container, unknown duration, or the second demuxer did not land on a key packet); then the
    ///   caller reads sequentially. When the first half never meets the second's start, the first
    ///   half's read is the whole file and is returned alone.
    static func readInHalves(_ input: FFInputContext, path: String, streamIndex: Int,
                             cores: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> (entries: [Entry], joined: Bool, second: FFInputContext)? {
        let format = input.pointer.pointee
        guard cores > 1, let name = format.iformat.map({ String(cString: $0.pointee.name) }), splittableContainers.contains(name),
              format.duration != tandem_AV_NOPTS_VALUE, format.duration > 0 else { return nil }
        let second = try FFInputContext(path: path, findStreamInfo: false)
        guard streamIndex < second.streamCount else { return nil }
        second.discardAll(except: streamIndex)
        let middle = (format.start_time == tandem_AV_NOPTS_VALUE ? 0 : format.start_time) + format.duration / 2
        guard (try? second.seek(microseconds: middle)) != nil else { return nil }
        // The second half's first packet: where the halves meet.
        let packet = FFPacket()
        var meeting: (position: Int64, pts: Int64, dts: Int64)?
        while (try? second.read(into: packet)) == .packet {
            defer { packet.unref() }
            guard packet.streamIndex == streamIndex, !packet.isDiscarded else { continue }
            if packet.isKeyFrame, packet.position >= 0 { meeting = (packet.position, packet.pts, packet.dts) }
            break
        }
        guard let meeting else { return nil }
        let halves = IndexHalves(first: input, second: second)
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            if half == 0 {
                let found = read(halves.input(0), streamIndex: streamIndex) {
                    $0.position == meeting.position && $0.pts == meeting.pts && $0.dts == meeting.dts
                }
                halves.store(found.entries, met: found.stopped, half: 0)
            } else {
                halves.store(read(halves.input(1), streamIndex: streamIndex, stop: nil).entries, met: true, half: 1)
            }
        }
        let (first, met, rest) = halves.take()
        return met ? (first + [Entry(pts: meeting.pts, dts: meeting.dts, isKey: true)] + rest, true, second) : (first, false, second)
    }

    /// The index of the frame with `pts`, or of the first frame after it when no frame has it.
    func frameIndex(pts: Int64) -> Int {
        var low = 0, high = sortedPts.count
        while low < high {
            let mid = (low + high) / 2
            if sortedPts[mid] < pts { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The packet (position in `entries`) to start decoding from to get frame `frame` exactly:
    /// the last key packet at or before the frame's packet in decode order whose own pts is not
    /// after the frame's. The second condition matters for open GOPs, where frames that follow a
    /// key frame in the file but are shown before it need the previous GOP.
    func seekEntry(forFrame frame: Int) -> Int {
        let target = entryOfFrame[frame]
        let pts = sortedPts[frame]
        var e = target
        while e > 0 && !(entries[e].isKey && entries[e].pts <= pts) { e -= 1 }
        return e
    }

    /// The timestamp to hand to `av_seek_frame` for entry `e`: its pts. Demuxers index key frames
    /// by pts (Matroska) or by dts (MP4, whose key frames' dts is below their pts); with
    /// `AVSEEK_FLAG_BACKWARD` the key frame's pts lands on it in both cases, since the next key
    /// frame's dts is later still. (Its dts would land one GOP early in MP4 files with edit lists.)
    /// The reader checks where it landed and falls back to decoding from the start if it is late.
    func seekTimestamp(entry e: Int) -> Int64 {
        let entry = entries[e]
        return entry.pts == tandem_AV_NOPTS_VALUE ? entry.dts : entry.pts
    }

    /// The position in `entries` of the packet with `pts`, if any.
    func entry(pts: Int64) -> Int? {
        let frame = frameIndex(pts: pts)
        return frame < sortedPts.count && sortedPts[frame] == pts ? entryOfFrame[frame] : nil
    }
}

/// The two demuxers of an index read in halves, and what each read.
///
/// `@unchecked Sendable`: every access goes through `lock`; each demuxer is used by one half alone
/// while the read runs.
private final class IndexHalves: @unchecked Sendable {
    private let lock = NSLock()
    private let inputs: [FFInputContext]
    private var entries: [[PacketIndex.Entry]] = [[], []]
    private var met = false

    init(first: FFInputContext, second: FFInputContext) { inputs = [first, second] }

    func input(_ half: Int) -> FFInputContext { lock.withLock { inputs[half] } }

    func store(_ read: [PacketIndex.Entry], met: Bool, half: Int) {
        lock.withLock {
            entries[half] = read
            if half == 0 { self.met = met }
        }
    }

    func take() -> (first: [PacketIndex.Entry], met: Bool, rest: [PacketIndex.Entry]) {
        lock.withLock { (entries[0], met, entries[1]) }
    }
}
