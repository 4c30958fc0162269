import CFFmpeg

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
        // Most containers list their streams in the header; the others (MPEG-TS) need probing.
        var input = try FFInputContext(path: path, findStreamInfo: false)
        if streamIndex >= input.streamCount {
            input = try FFInputContext(path: path)
        }
        try scan(input, streamIndex: streamIndex)
        let order = entries.indices.filter { entries[$0].pts != tandem_AV_NOPTS_VALUE }.sorted { entries[$0].pts < entries[$1].pts }
        entryOfFrame = order
        sortedPts = order.map { entries[$0].pts }
        // Two packets with one pts cannot be told apart by pts: treat the index as inexact.
        if zip(sortedPts, sortedPts.dropFirst()).contains(where: { $0 == $1 }) { isExact = false }
    }

    private mutating func scan(_ input: FFInputContext, streamIndex: Int) throws {
        input.discardAll(except: streamIndex)
        let packet = FFPacket()
        // A read failure part-way (a truncated file) ends the index: it lists the frames that can
        // be read, and decoding reports the damage when it gets there.
        while (try? input.read(into: packet)) == .packet {
            defer { packet.unref() }
            guard packet.streamIndex == streamIndex, !packet.isDiscarded else { continue }
            if packet.pts == tandem_AV_NOPTS_VALUE { isExact = false }
            entries.append(Entry(pts: packet.pts, dts: packet.dts, isKey: packet.isKeyFrame))
        }
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
