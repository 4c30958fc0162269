import Foundation
import TandemCore
import TandemDSP
import TandemMedia
import TandemVision

/// `separate`: the default audio-visual separator (motion-informed NMF, no weights; see
/// `MotionGuidedSeparation`): audio + video in, one audio stream per source out, each tied to the
/// picture region whose motion it follows.
///
/// Inputs arrive interleaved by media time (the engine's `Inbox` rule); frames feed the motion map
/// as they come, and the audio is spilled to a private temporary file (`AudioSpill`, removed at the end,
/// also on failure or cancellation), since regions are found over the whole video before any sound is
/// attributed. At the end of the stream the recording is read back `chunk_seconds` at a time (with the
/// cross-fade's overlap), each chunk is factorised with the regions, and its sources are sent on at
/// once, so neither the recording nor a whole-length source is ever in memory. Outputs:
/// - `sources`: for each stretch of time, one audio packet per region (silent ones included, as
///   silence where they took nothing), in the order of `regions`, at the stretch's exact sample
///   position; the stretches follow each other without gap or overlap. A recording up to
///   `chunk_seconds` plus the 2 s overlap is one stretch;
/// - `regions`: after the sources, one segment per region spanning the input, carrying a typed `PictureRegion` (`Segment.region`:
///   the name, the box in the video's pixels — none in audio-only mode —, the attribution confidence 0…1,
///   the seconds it sounded and moved, `silent` when its motion explained none of the sound); label the
///   name, score the confidence;
/// - `image`: the mixture's spectrogram with each source's mask (built a chunk at a time at a fixed width), sent as
///   soon as the masks are final (before the sources of a recording separated in one piece);
/// - `notes`: sentences about fallbacks (no video stream → audio-only split), as segment labels.
public struct SeparateNode: ValidatingNode {
    public static let descriptor = NodeDescriptor(
        kind: "separate", doc: "Separate sources by where they move in the picture (motion-informed NMF; audio-only fallback).",
        inputs: [PortSpec("audio", .audio, "the mixture (any rate and channel count)"),
                 PortSpec("video", .video, "frames for motion (gray8, ~144 px shorter side, ~25 fps is plenty)", optional: true)],
        outputs: [PortSpec("sources", .audio, "per stretch of time (a chunk), one packet per region in the order of regions"),
                  PortSpec("regions", .segments, "one segment per source carrying its region (name, box, confidence, silent)"),
                  PortSpec("image", .image, "mixture spectrogram and each source's mask"),
                  PortSpec("notes", .segments, "fallbacks taken, one sentence per segment label")],
        parameters: [
            ParameterSpec("sources", .string, default: .string("auto"), "number of sources, or auto (one per moving region)"),
            ParameterSpec("grid", .string, default: .string(""), "ROWSxCOLUMNS fixed regions instead of found ones (e.g. 1x2); empty: find moving regions"),
            ParameterSpec("regions", .string, default: .string(""),
                          "the players' regions in video pixels, 'x,y,w,h;x,y,w,h', used as given (one source each); empty: find them"),
            ParameterSpec("cell_size", .int(2...64), default: .int(4), "motion-map cell side in pixels of the frames received"),
            ParameterSpec("divergence", .choice(["kl", "is"]), default: .string("kl"), "NMF divergence: Kullback–Leibler or Itakura–Saito"),
            ParameterSpec("model", .choice(MotionInformedNMF.Model.allCases.map { $0.parameterName }),
                          default: .string(MotionInformedNMF.Configuration().model.parameterName),
                          "what the mixture is factorised into: components (free NMF components grouped into players), harmonic (one harmonic instrument per player), or ensemble (both, their masks averaged per region)"),
            ParameterSpec("iterations", .int(1...1000), default: .int(MotionInformedNMF.Configuration().iterations), "NMF multiplicative-update iterations"),
            ParameterSpec("components_per_source", .int(1...64), default: .int(MotionInformedNMF.Configuration().componentsPerSource), "NMF components per source"),
            ParameterSpec("drop_margin", .double(-1...1), default: .double(Double(MotionInformedNMF.Configuration().dropMargin)),
                          "with sources auto, a region is dropped as silent only when the evidence rises by more than this without it (negative: also when it falls by less)"),
            ParameterSpec("keep_evidence", .double(-1...2), default: .double(Double(MotionInformedNMF.Configuration().keepEvidence)),
                          "with sources auto, a region whose own source follows its motion at least this well (-1...1) is always kept; above 1: off"),
            ParameterSpec("bystander_periodicity", .double(0...2), default: .double(Double(MotionInformedNMF.Configuration().moverPeriodicity)),
                          "a region that never rests and whose motion repeats at least this strongly (autocorrelation, 0...1) while no sound repeats with it is a bystander (a conductor, a dancer keeping time) and is dropped first; above 1: off"),
            ParameterSpec("chunk_seconds", .double(5...3600), default: .double(MotionInformedNMF.Chunking().seconds),
                          "longer recordings are factorised this many seconds at a time (cross-faded), so memory stays bounded"),
            ParameterSpec("rescale", .choice(["auto", "off"]), default: .string("off"),
                          "auto: when the moving regions found are small in the frames received (players one above another, as in a video call's grid), the input's video is decoded again larger, at fps, and its motion analysed there; off: the frames received only"),
            ParameterSpec("rescale_below", .double(1...1000), default: .double(MotionGuidedSeparation.Rescaling().smallCells),
                          "with rescale auto, regions are small when the median of their longer sides is under this many motion cells"),
            ParameterSpec("fps", .double(0.0001...1000), default: .double(25), "frames per second of the video decoded again with rescale auto (as the frames received)"),
            ParameterSpec("image_width", .int(16...8192), default: .int(800), "plot width of the mask picture in pixels"),
        ])

    /// nil: `auto`; otherwise the count. Throws the message a user needs.
    static func sourceCount(_ text: String) throws -> Int? {
        if text == "auto" { return nil }
        guard let n = Int(text), (1...32).contains(n) else {
            throw NodeError(code: .invalidParameters, message: "sources must be 'auto' or a number in 1...32, got '\(text)'")
        }
        return n
    }

    public static func problems(in parameters: NodeParameters) -> [NodeParameterProblem] {
        var problems: [NodeParameterProblem] = []
        for name in ["sources", "grid", "regions"] {
            do {
                switch name {
                case "sources": _ = try sourceCount(parameters.string(name))
                case "grid": _ = try grid(parameters.string(name))
                default: _ = try regions(parameters.string(name))
                }
            } catch let error as NodeError {
                problems.append(NodeParameterProblem(parameter: name, message: error.message))
            } catch {
                problems.append(NodeParameterProblem(parameter: name, message: "\(error)"))
            }
        }
        return problems
    }

    /// `x,y,w,h;x,y,w,h` (video pixels) as regions labelled `region0`, `region1`, …; nil for empty text.
    /// - Throws: `NodeError(.invalidParameters)` naming the malformed part.
    public static func regions(_ text: String) throws -> [MotionRegion]? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return nil }
        return try trimmed.split(separator: ";").enumerated().map { index, part in
            let numbers = part.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard numbers.count == 4, let x = numbers[0], let y = numbers[1], let w = numbers[2], let h = numbers[3] else {
                throw NodeError(code: .invalidParameters, message: "regions wants 'x,y,w,h;x,y,w,h' in video pixels; '\(part)' is not four integers")
            }
            guard x >= 0, y >= 0, w > 0, h > 0 else {
                throw NodeError(code: .invalidParameters, message: "region '\(part)' must have x, y ≥ 0 and a positive width and height")
            }
            return MotionRegion(x: x, y: y, width: w, height: h, label: "region\(index)")
        }
    }

    static func grid(_ text: String) throws -> (rows: Int, columns: Int)? {
        if text.isEmpty { return nil }
        let parts = text.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts.allSatisfy({ (1...16).contains($0) }) else {
            throw NodeError(code: .invalidParameters, message: "grid wants ROWSxCOLUMNS (each 1...16), got '\(text)'")
        }
        return (parts[0], parts[1])
    }

    private var separation: MotionGuidedSeparation
    private let imageWidth: Int
    /// The frame rate at which the video is decoded again for a larger analysis (`rescale` auto).
    private let fps: Double
    private var input: URL?
    /// The source video's size, from the first frame received (`VideoFrame.sourceWidth`/`sourceHeight`):
    /// the frames are scaled down for motion, and regions are given and reported in the video's pixels.
    private var videoSize: (width: Int, height: Int)?
    /// The recording as it arrives, on disk until `finish` reads it back a chunk at a time.
    private var spill: AudioSpill?
    /// Where the spills' private directories are made (tests point it elsewhere).
    var spillParent = FileManager.default.temporaryDirectory {
        didSet { separation.temporaryDirectory = spillParent }
    }

    public init(parameters: NodeParameters) throws {
        var configuration = MotionGuidedSeparation.Configuration()
        configuration.sources = try Self.sourceCount(parameters.string("sources"))
        configuration.grid = try Self.grid(parameters.string("grid"))
        configuration.regions = try Self.regions(parameters.string("regions"))
        configuration.cellSize = parameters.int("cell_size")
        configuration.nmf.divergence = parameters.string("divergence") == "is" ? .itakuraSaito : .kullbackLeibler
        configuration.nmf.iterations = parameters.int("iterations")
        configuration.nmf.model = MotionInformedNMF.Model.allCases.first { $0.parameterName == parameters.string("model") } ?? .components
        configuration.nmf.componentsPerSource = parameters.int("components_per_source")
        configuration.nmf.dropMargin = Float(parameters.double("drop_margin"))
        configuration.nmf.keepEvidence = Float(parameters.double("keep_evidence"))
        configuration.nmf.moverPeriodicity = Float(parameters.double("bystander_periodicity"))
        configuration.chunking.seconds = parameters.double("chunk_seconds")
        if parameters.string("rescale") == "auto" {
            var rescaling = MotionGuidedSeparation.Rescaling()
            rescaling.smallCells = parameters.double("rescale_below")
            configuration.rescaling = rescaling
        }
        separation = MotionGuidedSeparation(configuration: configuration)
        imageWidth = parameters.int("image_width")
        fps = parameters.double("fps")
    }

    public mutating func start(_ context: NodeContext) throws {
        input = context.input?.url
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        switch packet {
        case .audio(let chunk):
            if spill == nil { spill = try AudioSpill(format: chunk, in: spillParent) }
            do { try spill!.append(chunk) } catch let error as MediaError {
                // The graph stops here: the spill goes at once, not when the node is dropped.
                spill?.remove()
                throw NodeError(code: .nodeFailed, message: "separate: \(error.message)", underlying: error)
            }
        case .video(let frame):
            if videoSize == nil { try takeVideoSize(of: frame) }
            try separation.append(frame)
        default: break
        }
    }

    /// Learns the video's size from its first frame and checks the user's regions against it, before the
    /// frame is used: a region outside the picture fails this input, naming it.
    private mutating func takeVideoSize(of frame: VideoFrame) throws {
        videoSize = (frame.sourceWidth, frame.sourceHeight)
        if let regions = separation.configuration.regions,
           let problem = MotionGuidedSeparation.problems(with: regions, width: frame.sourceWidth, height: frame.sourceHeight).first {
            throw NodeError(code: .invalidParameters, message: "separate: \(input?.lastPathComponent ?? "the input"): \(problem)")
        }
    }

    /// With `rescale` auto and small regions found (`MotionGuidedSeparation.finerScale()`): the input's video decoded
    /// again, larger by that factor (motion cells keep their size in pixels, so each player gets more of them), and the
    /// separation's motion taken from it instead.
    /// - Returns: a sentence saying so, or none when nothing was done (regions big enough, no input file, or a video
    ///   that gave no frame the second time: the first analysis stands).
    /// - Throws: what decoding the input throws.
    private mutating func analyseLarger() throws -> [String] {
        guard let factor = separation.finerScale(), let input else { return [] }
        let size = separation.analysedSize
        let width = Int((Double(size.width) * factor).rounded()), height = Int((Double(size.height) * factor).rounded())
        let reader = try FrameReader(url: input, sampling: .fps(fps), options: VideoDecodeOptions(layout: .gray8, resize: .exact(width: width, height: height)))
        var larger = MotionGuidedSeparation(configuration: separation.configuration)
        larger.temporaryDirectory = spillParent
        do {
            while let frame = try reader.next() { try larger.append(frame) }
        } catch {
            larger.removeTemporaryFiles()
            throw error
        }
        guard larger.framesSeen > 0 else { return [] }
        separation.removeTemporaryFiles()
        separation = larger
        return ["the moving regions were small at \(size.width)×\(size.height) pixels (players one above another?): "
                + "their motion was analysed again at \(width)×\(height)"]
    }

    /// Pictures whose shorter side is under this many pixels hold too little to tell players apart by where they move.
    static let smallestPictureSide = 16

    /// Sentences about the input itself, before the separation's own: a picture too small or thin for motion to
    /// place players, and audio brought down to a lower rate than the file's (decode's `max_sample_rate`), which
    /// is then the rate of the sources written.
    static func inputNotes(videoSize: (width: Int, height: Int)?, sampleRate: Int, input: URL?) -> [String] {
        var notes: [String] = []
        if let size = videoSize, min(size.width, size.height) < smallestPictureSide {
            notes.append("the picture is only \(size.width)×\(size.height) pixels: too small or thin to tell players apart by where they move, "
                         + "so the regions are weak evidence (the players' boxes given by hand may serve better)")
        }
        let rates = Set(((input.flatMap { try? MediaFile.open($0).info })?.streams ?? []).filter { $0.type == .audio }.compactMap(\.sampleRate))
        if rates.count == 1, let rate = rates.first, rate > sampleRate {
            notes.append("the file's \(rate) Hz audio was separated at \(sampleRate) Hz, the rate of the sources written "
                         + "(decode's max_sample_rate or sample_rate: the factorisation's cost grows with the rate, and nothing audible lies above half of it)")
        }
        return notes
    }

    public mutating func finish(output: NodeOutput) throws {
        guard let spill, spill.frameCount > 0 else {
            throw NodeError(code: .nodeFailed, message: "separate: \(MissingAudio.reason(in: input)); nothing to separate")
        }
        defer {
            spill.remove()
            self.spill = nil
            separation.removeTemporaryFiles()
        }
        let start = MediaTime(sample: spill.firstSample, rate: spill.sampleRate)
        let end = MediaTime(sample: spill.firstSample + Int64(spill.frameCount), rate: spill.sampleRate)
        let rescaled = try analyseLarger()
        let separated = try separation.separate(
            length: spill.frameCount, channelCount: spill.channelCount, sampleRate: spill.sampleRate, startSeconds: start.seconds,
            read: { try spill.read($0) }, videoWidth: videoSize?.width, mixtureMagnitude: output.isConnected("image"),
            masksReady: output.isConnected("image") ? { [imageWidth] result, magnitude in
                // Sent before the sources, and the port ended (one picture per input), which wakes its writer now
                // rather than when this node finishes: the picture's encoder runs beside the inversion.
                try output.emit(.image(result.picture(mixtureMagnitude: magnitude, firstSecond: start.seconds, plotWidth: imageWidth)), port: "image")
                try output.end(port: "image")
            } : nil) { stretch in
            // One packet per source for each stretch, in the order of the regions, at its exact position.
            for channels in stretch.sources {
                try output.emit(.audio(AudioBuffer(sampleRate: spill.sampleRate, channelLayout: spill.channelLayout,
                                                   firstSample: spill.firstSample + Int64(stretch.firstSample),
                                                   channels: channels.map { SharedArray($0) })), port: "sources")
            }
        }
        let notes = Self.inputNotes(videoSize: videoSize, sampleRate: spill.sampleRate, input: input) + rescaled + separated.notes
        if output.isConnected("notes"), !notes.isEmpty {
            try output.emit(.segments(notes.map { Segment(start: start, end: end, label: $0, score: 0) }), port: "notes")
        }
        try output.emit(.segments(separated.sources.map { $0.segment(start: start, end: end) }), port: "regions")
    }
}

extension MotionInformedNMF.Model {
    /// The pipeline parameter's spelling.
    var parameterName: String {
        switch self {
        case .components: "components"
        case .harmonicSources: "harmonic"
        case .ensemble: "ensemble"
        }
    }
}
