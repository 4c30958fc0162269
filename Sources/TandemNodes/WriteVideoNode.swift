import Foundation
import TandemCore
import TandemMedia

/// `write-video`: writes one video file per input: the frames it receives encoded to H.264 at a
/// constant frame rate, or a stream copy of the input file's own video; with an AAC track made
/// from the audio it receives, when its `audio` port is connected.
///
/// The copy mode is what "put this sound on that video" needs: the picture stays bit for bit the
/// input's (no generation loss, no decoding time) and only the sound is new.
public struct WriteVideoNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "write-video", doc: "Write an MP4/MOV/MKV: frames encoded to H.264, or the input's video stream copied; with AAC audio from the audio port.",
        inputs: [
            PortSpec("video", .video, "frames to encode (video: encode); unused with video: copy", optional: true),
            PortSpec("audio", .audio, "audio on the file's clock, any rate and channels, encoded to AAC", optional: true),
        ],
        parameters: [
            ParameterSpec("path", .pathTemplate, default: .string("{relpath}.{id}.mp4"), "output path below --out; .mp4, .m4v, .mov or .mkv"),
            ParameterSpec("video", .choice(["encode", "copy"]), default: .string("encode"),
                          "encode: the frames of the video port to H.264; copy: the input file's video stream, unchanged"),
            ParameterSpec("fps", .double(0.01...1000), default: .double(25), "frame rate of the file (encode)"),
            ParameterSpec("crf", .int(0...51), default: .int(23), "x264 quality, lower is better (encode)"),
            ParameterSpec("preset", .choice(["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"]),
                          default: .string("veryfast"), "x264 speed preset (encode)"),
            ParameterSpec("audio_bitrate", .string, default: .string("128k"), "AAC bit rate, bits per second (96000, 96k)"),
            ParameterSpec("keep_audio", .bool, default: .bool(false),
                          "copy: also keep the input's own audio streams, as tracks after the new (default) one"),
        ])

    private enum Mode { case encode, copy }

    private let template: PathTemplate
    private let mode: Mode
    private let frameRate: Rational
    private let crf: Int
    private let preset: String
    private let audioTrack: VideoFileWriter.AudioTrack
    private let keepAudio: Bool
    private var context: NodeContext?
    private var audioConnected = false
    private var audioReceived = false
    private var output: AtomicOutput?
    private var writer: VideoFileWriter?
    /// Audio that arrived before the first frame (encode mode), which fixes the frame size.
    private var pendingAudio: [AudioBuffer] = []

    public init(parameters: NodeParameters) throws {
        template = try PathTemplate(parameters.string("path"))
        let ext = (template.description as NSString).pathExtension.lowercased()
        guard ["mp4", "m4v", "mov", "mkv"].contains(ext) else {
            throw NodeError(code: .invalidParameters, message: "write-video path '\(template)' needs a .mp4, .m4v, .mov or .mkv extension")
        }
        mode = parameters.string("video") == "copy" ? .copy : .encode
        let fps = parameters.double("fps")
        // Rates like 29.97 are kept exact to 1/1000.
        frameRate = Rational(Int64((fps * 1000).rounded()), 1000)
        crf = parameters.int("crf")
        preset = parameters.string("preset")
        keepAudio = parameters.bool("keep_audio")
        guard !keepAudio || mode == .copy else {
            throw NodeError(code: .invalidParameters, message: "write-video keep_audio: true needs video: copy (encoded frames carry no audio of the input)")
        }
        let text = parameters.string("audio_bitrate")
        guard let bitRate = Self.bitRate(text), (8_000...512_000).contains(bitRate) else {
            throw NodeError(code: .invalidParameters,
                            message: "write-video audio_bitrate '\(text)' is not a bit rate between 8k and 512k (write 128k or 128000)")
        }
        audioTrack = VideoFileWriter.AudioTrack(bitRate: bitRate)
    }

    /// Bits per second from `96000`, `96k` or `0.5M`.
    static func bitRate(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let scale: Double = switch trimmed.last {
        case "k", "K": 1_000
        case "m", "M": 1_000_000
        default: 1
        }
        let digits = scale == 1 ? trimmed : String(trimmed.dropLast())
        guard let value = Double(digits), value.isFinite, value > 0 else { return nil }
        return Int((value * scale).rounded())
    }

    public mutating func start(_ context: NodeContext) throws {
        self.context = context
        audioConnected = context.connectedInputs.contains("audio")
        switch mode {
        case .encode:
            guard context.connectedInputs.contains("video") else {
                throw NodeError(code: .invalidGraph, message: "write-video with video: encode needs its video input connected (or use video: copy)")
            }
            output = try context.createOutput(template)
        case .copy:
            guard let input = context.input else {
                throw NodeError(code: .invalidGraph, message: "write-video with video: copy needs an input file to copy the video from")
            }
            let output = try context.createOutput(template)
            self.output = output
            writer = try VideoFileWriter(url: output.temporaryURL, copyingVideoFrom: input.url,
                                         audio: audioConnected ? audioTrack : nil, keepSourceAudio: keepAudio)
        }
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        switch packet {
        case .video(let frame) where mode == .encode:
            if writer == nil {
                // The writer renames its own temporary onto our temporary; the batch commits that one
                // to the final name only when the whole graph completed.
                writer = try VideoFileWriter(url: self.output!.temporaryURL, width: frame.width, height: frame.height,
                                             frameRate: frameRate, crf: crf, preset: preset, audio: audioConnected ? audioTrack : nil)
                for buffer in pendingAudio { try writer!.write(buffer) }
                pendingAudio = []
            }
            try writer!.write(frame)
        case .audio(let buffer):
            audioReceived = true
            if let writer {
                try writer.write(buffer)
            } else {
                pendingAudio.append(buffer)
            }
        default:
            return
        }
    }

    public mutating func finish(output: NodeOutput) throws {
        if audioConnected && !audioReceived {
            context?.warn("the audio input ended without audio; the video has no audio track")
        }
        try writer?.finish()
    }
}
