import Foundation
import TandemCore
import TandemDSP
import TandemVision

/// The default separator end to end, shared by the `separate` node and `tandem separate`: motion of
/// the video mapped on a grid of cells (global light and camera changes undone), candidate regions —
/// found, a fixed grid, or given by the user — one motion curve per region, then `MotionInformedNMF`,
/// which keeps the regions whose motion explains the sound and flags the others silent.
///
/// Frames go in one by one (gray, small: about 144 px on the shorter side is plenty for motion);
/// the audio is given whole at the end: regions are found over the whole video, then the recording is
/// factorised chunk by chunk (a minute at a time by default, cross-faded) with the same regions.
public struct MotionGuidedSeparation: Sendable {
    public struct Configuration: Sendable {
        /// Number of sounding sources; nil: as many as the motion explains (2 without video).
        public var sources: Int?
        /// A fixed rows × columns grid of regions instead of finding moving regions.
        public var grid: (rows: Int, columns: Int)?
        /// Regions given by the user, in the source video's pixels, used as given (one source each).
        public var regions: [MotionRegion]?
        /// Motion-map cell side in pixels of the analysed frames.
        public var cellSize = 4
        public var nmf = MotionInformedNMF.Configuration()
        /// Long recordings are factorised chunk by chunk so memory stays bounded.
        public var chunking = MotionInformedNMF.Chunking()
        public init() {}
    }

    /// A separated source with the picture region it came from.
    public struct Source: Sendable {
        public var label: String
        /// The sound (silence when `silent`).
        public var channels: [[Float]]
        public var confidence: Float
        /// The region in the original video's pixels (nil in audio-only mode).
        public var region: MotionRegion?
        /// The region moved, but none of the sound is its: no file is written for it.
        public var silent: Bool
        /// Seconds in which the source's sound is within 30 dB of its loudest tenth of a second.
        public var soundingSeconds: Double
        /// Seconds in which the region moved (nil without a region).
        public var movingSeconds: Double?
    }

    public struct Output: Sendable {
        public var result: SeparationResult
        public var sources: [Source]
        /// Sentences for the user: fallbacks taken and why.
        public var notes: [String]
    }

    public var configuration: Configuration
    private var map: MotionMap
    public private(set) var framesSeen = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        map = MotionMap(cellSize: max(2, configuration.cellSize))
    }

    /// Adds the next video frame (any layout `GrayImage` reads; gray8 avoids a conversion).
    public mutating func append(_ frame: VideoFrame) throws {
        try map.append(frame)
        framesSeen += 1
    }

    /// Checks user regions against a `width × height` video: each must lie inside the frame.
    /// - Returns: one sentence per region that does not, empty when all fit.
    public static func problems(with regions: [MotionRegion], width: Int, height: Int) -> [String] {
        regions.compactMap { r in
            r.x >= 0 && r.y >= 0 && r.width > 0 && r.height > 0 && r.x + r.width <= width && r.y + r.height <= height ? nil
                : "region \(r.x),\(r.y),\(r.width),\(r.height) lies outside the \(width)×\(height) frame"
        }
    }

    /// Separates `audio` guided by the frames appended so far.
    /// - Parameters:
    ///   - videoWidth: the source video's width in pixels, to report regions in its coordinates
    ///     (nil: the analysed frames' coordinates).
    ///   - hasVideo: false when the input has no video stream (the note says so).
    /// - Throws: `DSPError` for empty audio; `VisionError` for a bad grid.
    public func separate(_ audio: AudioBuffer, videoWidth: Int?, hasVideo: Bool) throws -> Output {
        var notes: [String] = []
        var regions: [MotionRegion] = []
        var tracks: [MotionTrack] = []
        let scale = videoWidth.map { map.width > 0 ? Double($0) / Double(map.width) : 1 } ?? 1
        var sources = configuration.sources
        if map.frameCount > 0 {
            if let given = configuration.regions, !given.isEmpty {
                // The user's regions, from video pixels to the analysed frames'.
                regions = given.enumerated().map { i, r in
                    MotionRegion(x: Int(Double(r.x) / scale), y: Int(Double(r.y) / scale), width: max(1, Int(Double(r.width) / scale)),
                                 height: max(1, Int(Double(r.height) / scale)), label: r.label.isEmpty ? "region\(i)" : r.label)
                }
                if sources == nil { sources = regions.count }
            } else if let grid = configuration.grid {
                regions = try MotionRegion.grid(rows: grid.rows, columns: grid.columns, width: map.width, height: map.height)
            } else {
                let finder = MotionRegionFinder()
                regions = finder.regions(in: map)
                if let count = sources, regions.count < count {
                    // Fewer separate movers than sources asked for (players touching): split by timing and place.
                    regions = finder.regions(in: map, count: count)
                }
                if regions.count == 1 && sources == nil { notes.append("one moving region: one player, or players too close to tell apart") }
                if !map.cuts.isEmpty { notes.append("\(map.cuts.count) frame(s) taken for scene cuts or flashes were not counted as motion") }
            }
            let audioStart = audio.startSeconds
            tracks = regions.map { MotionTrack(label: $0.label, times: map.times.map { $0 - audioStart }, energy: map.series(for: $0)) }
            if tracks.isEmpty {
                notes.append("nothing moves in the video (a still picture?); used the audio-only fallback")
            } else if tracks.allSatisfy({ $0.energy.allSatisfy { $0 == 0 } }) {
                notes.append("the given regions do not move (a still picture?); each motion curve is flat, so the attribution has no visual evidence")
            }
            if let count = sources, regions.count > count {
                notes.append("\(regions.count) moving regions for \(count) sources: the \(regions.count - count) whose sound the other regions explain best are silent")
            }
        } else {
            notes.append(hasVideo ? "no video frames decoded; used the audio-only fallback" : "no video stream; used the audio-only fallback (split by timbre alone)")
        }
        let result = try MotionInformedNMF(configuration.nmf).separate(
            audio.channels.map(\.array), sampleRate: audio.sampleRate, motion: tracks, sources: sources,
            chunking: configuration.chunking)
        if !result.note.isEmpty { notes.append(result.note) }
        let silentCount = result.sources.filter(\.silent).count
        let soundingCount = result.sources.count - silentCount
        if let asked = configuration.sources, result.mode == .motion, soundingCount < asked {
            notes.append("asked for \(asked) sources, but the motion explains the sound of only \(soundingCount) region(s); the others are listed silent, with no file")
        } else if silentCount > 0 {
            notes.append("\(silentCount) region(s) moved but made no sound (a conductor, a dancer, the audience or a moving background?): listed silent, with no file")
        }
        let frameSeconds = map.frameCount > 1 ? (map.times[map.frameCount - 1] - map.times[0]) / Double(map.frameCount - 1) : 0
        let separated = result.sources.map { source in
            let found = regions.first { $0.label == source.label }
            let region = found.map {
                MotionRegion(x: Int(Double($0.x) * scale), y: Int(Double($0.y) * scale), width: Int(Double($0.width) * scale),
                             height: Int(Double($0.height) * scale), label: $0.label)
            }
            let moving = found.map { Self.activeSeconds(map.series(for: $0), step: frameSeconds) }
            return Source(label: source.label, channels: source.channels, confidence: source.confidence, region: region, silent: source.silent,
                          soundingSeconds: Self.soundingSeconds(source.channels, sampleRate: audio.sampleRate), movingSeconds: moving)
        }
        return Output(result: result, sources: separated, notes: notes)
    }

    /// Seconds of tenth-second blocks whose RMS is within 30 dB of the loudest block's (0 for silence).
    static func soundingSeconds(_ channels: [[Float]], sampleRate: Int) -> Double {
        guard let length = channels.first?.count, length > 0, sampleRate > 0 else { return 0 }
        let block = max(1, sampleRate / 10)
        var levels: [Double] = []
        var start = 0
        while start < length {
            let end = min(length, start + block)
            var s = 0.0
            for channel in channels { for i in start..<end { s += Double(channel[i]) * Double(channel[i]) } }
            levels.append(s / Double((end - start) * channels.count))
            start = end
        }
        guard let peak = levels.max(), peak > 1e-10 else { return 0 }
        return Double(levels.filter { $0 >= peak * 1e-3 }.count * block) / Double(sampleRate)
    }

    /// Seconds in which a motion curve is above a quarter of its 95th percentile (0 when it never moves).
    static func activeSeconds(_ curve: [Float], step: Double) -> Double {
        guard !curve.isEmpty, step > 0 else { return 0 }
        let sorted = curve.sorted()
        let high = sorted[min(sorted.count - 1, Int(0.95 * Double(sorted.count)))]
        guard high > 1e-4 else { return 0 }
        return Double(curve.filter { $0 > 0.25 * high }.count) * step
    }
}

extension MotionGuidedSeparation.Source {
    /// The source as a typed picture region: its box in the video's pixels (none in audio-only mode),
    /// confidence, the seconds it sounded and moved, and whether it is silent.
    public var pictureRegion: PictureRegion {
        PictureRegion(label: label, box: region.map { PictureRegion.Box(x: $0.x, y: $0.y, width: $0.width, height: $0.height) },
                      confidence: Double(confidence), silent: silent, soundingSeconds: soundingSeconds, movingSeconds: movingSeconds)
    }

    /// The source as a segment over `start…end` carrying `pictureRegion` — how the `separate` node tells
    /// consumers which region a source is (label: the region's name; score: the confidence).
    public func segment(start: MediaTime, end: MediaTime) -> Segment {
        Segment(start: start, end: end, region: pictureRegion)
    }
}
