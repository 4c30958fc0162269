import CFFmpeg

/// One of the decoders sparse sampling runs side by side: its own demuxer position and a
/// single-threaded decoder, walking from one key frame to the targets that depend on it.
///
/// Why single-threaded: every target starts with a seek and a flush, and a frame-threaded decoder
/// pays its pipeline depth again after each flush (one frame per thread must be in flight before the
/// first comes out), while its threads idle at the end of each walk. Separate walks on separate
/// threads keep every core busy and add no latency.
///
/// Not `Sendable`: a `FrameReader` hands each decoder to one thread at a time.
final class GOPDecoder {
    let input: FFInputContext
    let decoder: FFDecoder
    let streamIndex: Int
    private let packet = FFPacket()
    private let frame = FFFrame()

    private(set) var corruptPacketCount = 0
    private(set) var decodeErrorCount = 0
    private(set) var decodedCount = 0
    private(set) var seekCount = 0

    /// A walk: the index entry to seek to, and the targets (frame indices, ascending) it answers.
    struct Walk: Equatable {
        var seekEntry: Int
        var targets: [Int]
    }

    /// What a walk produced: for each answered target, the decoded frame that answers it
    /// (a later frame when the decoder could not produce the target itself).
    struct Answer {
        var target: Int
        var frameIndex: Int
        var frame: FFFrame
    }

    /// Why a walk gave up; the reader then takes the sequential path, which handles both.
    enum Abandon: Error {
        /// The demuxer landed after the key frame the walk needs.
        case landedLate
        /// Reading failed part-way (a truncated or damaged file).
        case readFailed
    }

    /// A decoder on `input` (which it uses alone from now on), configured like stream `streamIndex`
    /// of `parameters` (the reader's own, fully probed, context).
    init(input: FFInputContext, streamIndex: Int, parameters: FFInputContext) throws {
        self.input = input
        self.streamIndex = streamIndex
        decoder = try FFDecoder(input: input, streamIndex: streamIndex, threads: 1, parametersFrom: parameters)
    }

    /// Opens `path` again for a decoder of its own. The stream list comes from the header when the
    /// container has one; probing (which decodes a few frames) only when it does not (MPEG-TS).
    convenience init(path: String, streamIndex: Int, parameters: FFInputContext) throws {
        var input = try FFInputContext(path: path, findStreamInfo: false)
        if streamIndex >= input.streamCount { input = try FFInputContext(path: path) }
        input.discardAll(except: streamIndex)
        try self.init(input: input, streamIndex: streamIndex, parameters: parameters)
    }

    /// Seeks to `walk.seekEntry` and decodes forward until every target of the walk is answered,
    /// or the stream ends (the answers found so far are returned). Packets nothing refers to and
    /// no target needs are skipped (`AVDISCARD_NONREF`), switched back for the targets themselves.
    /// - Throws: `Abandon` when the walk cannot be done this way; `MediaError` for decoder failures.
    func run(_ walk: Walk, index: PacketIndex) throws -> [Answer] {
        try input.seek(streamIndex: streamIndex, timestamp: index.seekTimestamp(entry: walk.seekEntry))
        seekCount += 1
        decoder.flush()
        let wanted = Set(walk.targets.map { index.sortedPts[$0] })
        var answers: [Answer] = []
        var next = 0
        var first = true
        var inputEnded = false

        /// Takes every frame the decoder has ready; true once all targets are answered.
        func collect() throws -> Bool {
            while next < walk.targets.count {
                frame.unref()
                switch try decoder.receive(into: frame) {
                case .frame:
                    decodedCount += 1
                    if frame.isCorrupt { decodeErrorCount += 1 }
                    guard let pts = frame.presentationTime else { continue }
                    let frameIndex = index.frameIndex(pts: pts)
                    guard frameIndex >= walk.targets[next] else { continue }
                    let kept = FFFrame()
                    kept.reference(frame)
                    while next < walk.targets.count && walk.targets[next] <= frameIndex {
                        answers.append(Answer(target: walk.targets[next], frameIndex: frameIndex, frame: kept))
                        next += 1
                    }
                case .corrupt: decodeErrorCount += 1
                case .needsInput: return false
                case .endOfStream: inputEnded = true; return false
                }
            }
            return true
        }

        while !inputEnded {
            if try collect() { break }
            if inputEnded { break }
            let status: FFInputContext.ReadResult
            do { status = try input.read(into: packet) } catch { throw Abandon.readFailed }
            if status == .endOfFile {
                _ = try decoder.send(nil)
                _ = try collect()
                break
            }
            defer { packet.unref() }
            guard packet.streamIndex == streamIndex else { continue }
            if first {
                first = false
                guard let entry = index.entry(pts: packet.pts), entry <= walk.seekEntry else { throw Abandon.landedLate }
            }
            if packet.isCorrupt { corruptPacketCount += 1 }
            decoder.skipFrame = wanted.contains(packet.pts) ? AVDISCARD_DEFAULT : AVDISCARD_NONREF
            switch try decoder.send(packet) {
            case .accepted, .ended: break
            case .corrupt, .receiveFirst: corruptPacketCount += 1
            }
        }
        frame.unref()
        return answers
    }
}
