import CFFmpeg

/// The demux → decode loop for one stream: reads packets, feeds the decoder, returns frames.
///
/// Bad data is counted and skipped, never fatal: a packet the demuxer flags corrupt or the
/// decoder rejects increments `corruptPacketCount`, and decoding goes on with the next packet.
/// A read failure part-way (a truncated file) ends the input: the decoder is drained so every
/// frame before the damage is returned, then the failure is thrown once.
final class DecodeLoop {
    let input: FFInputContext
    let decoder: FFDecoder
    let streamIndex: Int
    let packet = FFPacket()
    let frame = FFFrame()

    /// Packets the demuxer flagged corrupt or the decoder rejected.
    private(set) var corruptPacketCount = 0
    /// Frames the decoder returned as damaged, or decode calls that failed on earlier data.
    private(set) var decodeErrorCount = 0

    /// Decides whether a packet of the stream is sent to the decoder (e.g. key frames only).
    var shouldSend: ((FFPacket) -> Bool)?
    /// Called just before a packet is sent, e.g. to set `skip_frame` for that packet.
    var willSend: ((FFPacket) -> Void)?
    /// Called for each packet of the stream as it is read (after a seek: to see where it landed).
    var didRead: ((FFPacket) -> Void)?

    private var inputEnded = false
    private var drained = false
    private var pendingFailure: MediaError?
    private var failuresInARow = 0
    static let mostFailuresInARow = 1_000

    init(input: FFInputContext, decoder: FFDecoder) {
        self.input = input
        self.decoder = decoder
        self.streamIndex = decoder.streamIndex
    }

    /// Decodes until a frame is available in `frame` (returns true) or the stream is over (false).
    /// - Throws: `MediaError` for a read failure (after the frames before it) or a decoder failure.
    func nextFrame() throws -> Bool {
        frame.unref()
        while true {
            if drained {
                if let failure = pendingFailure {
                    pendingFailure = nil
                    throw failure
                }
                return false
            }
            switch try decoder.receive(into: frame) {
            case .frame:
                if frame.isCorrupt { decodeErrorCount += 1 }
                failuresInARow = 0
                return true
            case .corrupt:
                decodeErrorCount += 1
                // Every decode error is skipped; a decoder failing again and again with no new packet
                // sent in between would loop here forever.
                failuresInARow += 1
                if failuresInARow > Self.mostFailuresInARow {
                    throw MediaError(.truncatedOrCorrupt, path: input.path, operation: "decode",
                                     message: "the decoder failed \(failuresInARow) times in a row without new data")
                }
            case .endOfStream:
                drained = true
            case .needsInput:
                if inputEnded {
                    // The decoder wants more after the drain request: nothing more will come.
                    drained = true
                } else {
                    try feed()
                    failuresInARow = 0
                }
            }
        }
    }

    /// Reads packets until one is sent to the decoder, or sends the drain request at the end.
    private func feed() throws {
        while true {
            let result: FFInputContext.ReadResult
            do {
                result = try input.read(into: packet)
            } catch let error as MediaError {
                pendingFailure = error
                result = .endOfFile
            }
            if result == .endOfFile {
                inputEnded = true
                _ = try decoder.send(nil)
                return
            }
            defer { packet.unref() }
            guard packet.streamIndex == streamIndex else { continue }
            didRead?(packet)
            if let shouldSend, !shouldSend(packet) { continue }
            if packet.isCorrupt { corruptPacketCount += 1 }
            willSend?(packet)
            switch try decoder.send(packet) {
            case .accepted, .ended: return
            case .corrupt:
                corruptPacketCount += 1
                return
            case .receiveFirst:
                // Not expected: we only feed after the decoder asked for input. Count the
                // dropped packet so the loss is visible.
                corruptPacketCount += 1
                return
            }
        }
    }

    /// Seeks to the key frame at or before `timestamp` and empties the decoder.
    func seek(timestamp: Int64) throws {
        try input.seek(streamIndex: streamIndex, timestamp: timestamp)
        decoder.flush()
        frame.unref()
        inputEnded = false
        drained = false
        pendingFailure = nil
    }
}
