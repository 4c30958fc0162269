import CFFmpeg
import TandemCore

/// Copies the packets of some streams of an input file into a muxer unchanged (a stream copy: no
/// decoding, no encoding), re-timed onto the file's clock.
///
/// The copied streams start where they started in the source relative to its earliest stream
/// (`MediaClock`'s origin), which is also where the pipeline's audio positions count from: a
/// video that starts 0.5 s after the file's origin starts at 0.5 s in the copy, beside audio whose
/// sample 0 is the origin.
///
/// Packets are read in the source's order and written up to a time the caller gives, so the
/// caller can interleave them with a stream it encodes without holding either in memory.
final class FFStreamCopy {
    private let input: FFInputContext
    private let muxer: FFOutputContext
    /// The index of the copied video stream in the source.
    let videoIndex: Int
    /// Output stream of each copied source stream, by source index.
    private var routes: [Int: UnsafeMutablePointer<AVStream>] = [:]
    private let clock: MediaClock
    private let packet = FFPacket()
    /// `packet` holds a packet read but not yet written (it lies after the last limit).
    private var holding = false
    private var ended = false
    private var discarding = false

    /// Opens `sourcePath` and adds a copy of its video stream to `muxer`.
    /// - Throws: `MediaError.Code.noUsableStream` when the source has no video stream;
    ///   `.unsupportedCodec` when the output container cannot hold its codec.
    init(sourcePath: String, muxer: FFOutputContext) throws {
        let input = try FFInputContext(path: sourcePath)
        self.input = input
        self.muxer = muxer
        clock = MediaClock(originMicroseconds: input.startTimeMicroseconds)
        let operation = "copy the video stream"
        guard let video = input.preferredStream(AVMEDIA_TYPE_VIDEO) else {
            throw MediaError(.noUsableStream, path: sourcePath, operation: operation,
                             ffmpegCode: tandem_AVERROR_STREAM_NOT_FOUND, message: "the file has no video stream to copy")
        }
        videoIndex = video
        try route(videoIndex, operation: operation)
    }

    /// Adds a copy of every audio stream of the source, in the source's order.
    /// - Throws: `MediaError.Code.unsupportedCodec` when the output container cannot hold one of them.
    func addAudioStreams() throws {
        for index in 0..<input.streamCount where input.stream(index).pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO {
            try route(index, operation: "keep the source's audio")
        }
    }

    /// The source's video stream (codec parameters, frame rate), borrowed while `self` lives.
    var videoStream: UnsafeMutablePointer<AVStream> { input.stream(videoIndex) }

    /// Writes the source's packets of the copied streams whose decoding time is at or before
    /// `limit` seconds on the file clock; all that remain when `limit` is `nil`.
    /// - Throws: `MediaError` for a read or write failure.
    func copy(until limit: Double?) throws {
        if !discarding {
            discarding = true
            for index in 0..<input.streamCount where routes[index] == nil { input.stream(index).pointee.discard = AVDISCARD_ALL }
        }
        while !ended {
            if !holding {
                guard try input.read(into: packet) == .packet else {
                    ended = true
                    return
                }
                guard routes[packet.streamIndex] != nil else {
                    packet.unref()
                    continue
                }
                holding = true
            }
            let source = input.stream(packet.streamIndex)
            let timeBase = source.pointee.time_base
            let rational = Rational(Int64(timeBase.num), Int64(timeBase.den))
            if let limit {
                let stamp = packet.dts != tandem_AV_NOPTS_VALUE ? packet.dts : packet.pts
                if stamp != tandem_AV_NOPTS_VALUE && clock.seconds(stamp, timeBase: rational) > limit { return }
            }
            holding = false
            let shift = clock.origin(in: rational)
            // Muxers refuse or misplace packets without pts. Without reordering (no B-frames) a packet
            // is shown at its dts; with B-frames the presentation order is inside the bitstream (old
            // DivX AVIs pack B-frames so), which a copy cannot recover: `ffmpeg -c copy` gets such
            // files' frame times wrong too. Say so instead of writing a file that plays out of order.
            if packet.pointer.pointee.pts == tandem_AV_NOPTS_VALUE {
                if source.pointee.codecpar.pointee.video_delay > 0 {
                    throw MediaError(.unsupportedCodec, path: input.path, operation: "copy the video stream",
                                     message: "stream \(packet.streamIndex) has B-frames without presentation timestamps "
                                         + "(packed B-frames, as old DivX/Xvid AVI files have); a copy would play out of order: encode it instead")
                }
                packet.pointer.pointee.pts = packet.pointer.pointee.dts
            }
            if packet.pointer.pointee.pts != tandem_AV_NOPTS_VALUE { packet.pointer.pointee.pts -= shift }
            if packet.pointer.pointee.dts != tandem_AV_NOPTS_VALUE { packet.pointer.pointee.dts -= shift }
            packet.pointer.pointee.pos = -1
            defer { packet.unref() }
            try muxer.write(packet, stream: routes[packet.streamIndex]!, from: timeBase)
        }
    }

    /// Adds the output stream for source stream `index`, after checking the container can hold it.
    private func route(_ index: Int, operation: String) throws {
        let source = input.stream(index)
        let codec = source.pointee.codecpar.pointee.codec_id
        if muxer.supports(codec) == false {
            let name = String(cString: avcodec_get_name(codec))
            let kind = source.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO ? "video" : "audio"
            throw MediaError(.unsupportedCodec, path: input.path, operation: operation,
                             message: "its \(kind) codec \(name) (stream \(index)) cannot be stored in a \(muxer.formatName) file; "
                                 + "write a .mkv instead, which holds any codec")
        }
        routes[index] = try muxer.addStream(copying: source)
    }
}
