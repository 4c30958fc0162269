import Foundation
import TandemCore
import TandemDSP
import TandemVision

/// The default separator end to end, shared by the `separate` node and `tandem separate`: motion of
/// the video mapped on a grid of cells, moving regions found (or a fixed grid), one motion curve per
/// region, then `MotionInformedNMF`.
///
/// Frames go in one by one (gray, small: about 144 px on the shorter side is plenty for motion);
/// the audio is given whole at the end: regions are found over the whole video, then the recording is
/// factorised chunk by chunk (a minute at a time by default, cross-faded) with the same regions.
public struct MotionGuidedSeparation: Sendable {
    public struct Configuration: Sendable {
        /// Number of sources; nil: one per moving region (2 without video).
        public var sources: Int?
        /// A fixed rows × columns grid of regions instead of finding moving regions.
        public var grid: (rows: Int, columns: Int)?
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
        public var channels: [[Float]]
        public var confidence: Float
        /// The region in the original video's pixels (nil in audio-only mode).
        public var region: MotionRegion?
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
        if map.frameCount > 0 {
            if let grid = configuration.grid {
                regions = try MotionRegion.grid(rows: grid.rows, columns: grid.columns, width: map.width, height: map.height)
            } else {
                regions = MotionRegionFinder().regions(in: map, count: configuration.sources)
            }
            let audioStart = audio.startSeconds
            tracks = regions.map { MotionTrack(label: $0.label, times: map.times.map { $0 - audioStart }, energy: map.series(for: $0)) }
            if tracks.isEmpty { notes.append("nothing moves in the video; used the audio-only fallback") }
        } else {
            notes.append(hasVideo ? "no video frames decoded; used the audio-only fallback" : "no video stream; used the audio-only fallback")
        }
        let result = try MotionInformedNMF(configuration.nmf).separate(
            audio.channels.map(\.array), sampleRate: audio.sampleRate, motion: tracks, sources: configuration.sources,
            chunking: configuration.chunking)
        if !result.note.isEmpty { notes.append(result.note) }
        let scale = videoWidth.map { map.width > 0 ? Double($0) / Double(map.width) : 1 } ?? 1
        let sources = result.sources.map { source in
            let region = regions.first { $0.label == source.label }.map {
                MotionRegion(x: Int(Double($0.x) * scale), y: Int(Double($0.y) * scale), width: Int(Double($0.width) * scale),
                             height: Int(Double($0.height) * scale), label: $0.label)
            }
            return Source(label: source.label, channels: source.channels, confidence: source.confidence, region: region)
        }
        return Output(result: result, sources: sources, notes: notes)
    }
}

extension MotionGuidedSeparation.Source {
    /// The source as a segment over `start…end`: label `name x y w h` (just `name` without a region),
    /// score the confidence — how the `separate` node tells consumers which region a source is.
    public func segment(start: Double, end: Double) -> Segment {
        let name = region.map { "\(label) \($0.x) \($0.y) \($0.width) \($0.height)" } ?? label
        return Segment(start: start, end: end, label: name, score: Double(confidence))
    }
}
