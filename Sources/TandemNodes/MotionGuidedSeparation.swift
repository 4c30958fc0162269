import Foundation
import TandemCore
import TandemDSP
import TandemMedia
import TandemVision

/// The default separator end to end, shared by the `separate` node and `tandem separate`: motion of
/// the video mapped on a grid of cells (global light and camera changes undone), candidate regions —
/// found, a fixed grid, or given by the user — one motion curve per region, then `MotionInformedNMF`,
/// which keeps the regions whose motion explains the sound and flags the others silent. With found regions,
/// pieces of one player (`MotionRegionFinder.pieceGroups`) are counted once: with a count given, a piece goes
/// before any player's last region, and the sound of a player's pieces is summed into the busiest piece and the
/// others are listed silent, with a note.
///
/// Frames go in one by one (gray, small: about 144 px on the shorter side is plenty for motion);
/// the audio is read back at the end a chunk at a time (from wherever the caller kept it): regions are
/// found over the whole video, then the recording is factorised chunk by chunk (a minute at a time by
/// default, cross-faded) with the same regions, each chunk's sources handed on as soon as they are final.
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
        /// Most time steps of the motion map the regions are found on (`MotionMap.stepBudget`; nil:
        /// every frame, memory growing with the video). 16384 keeps 10.9 minutes at 25 fps frame by
        /// frame (151 MB for 256×144 in 4-pixel cells); longer videos are mapped at 2, 4, … frames a step.
        /// The regions' motion curves stay at the full frame rate (each frame's row waits on disk).
        public var motionSteps: Int? = 16384
        /// The region finder's settings.
        public var finder = MotionRegionFinder()
        /// When the found regions are small in the analysed picture, look again at a larger one (`finerScale()`);
        /// nil: analyse at the size received only.
        public var rescaling: Rescaling?
        public init() {}
    }

    /// When to analyse the motion again at a larger picture: the finder's distances and sizes are counted in
    /// cells, so players one above another (a video call's grid, an orchestra on risers) analysed at a fixed
    /// shorter side get fewer cells each, and the finder's reach gets to the next player.
    public struct Rescaling: Sendable {
        /// Found regions whose median longer side is under this many cells are small (a single row of players
        /// is about 12; a 2 × 2 grid's about 8).
        public var smallCells = 8.0
        /// The larger picture brings the median region's longer side to about this many cells.
        public var targetCells = 12.0
        /// The larger picture's sides are at most this many times the analysed picture's.
        public var largestFactor = 2.0
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
        /// The mixture's magnitude on the result's mask STFT when asked for (`SeparationResult.picture(mixtureMagnitude:)`), else empty.
        public var mixtureMagnitude: [Float] = []
    }

    public var configuration: Configuration
    /// The motion of the frames appended so far; released by `separate` once the regions' curves are taken.
    private(set) var map: MotionMap
    public private(set) var framesSeen = 0
    /// Every frame's full-rate cell row, on disk, for the regions' curves once the map went coarser;
    /// made just before the map first averages steps (until then the map holds every row itself, so a
    /// video shorter than the budget writes nothing).
    private var frameRows: FloatSpill?
    private var frameTimes: [Double] = []
    /// Where temporary files are made.
    public var temporaryDirectory = FileManager.default.temporaryDirectory

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        map = MotionMap(cellSize: max(2, configuration.cellSize))
        map.stepBudget = configuration.motionSteps
    }

    /// Adds the next video frame (any layout `GrayImage` reads; gray8 avoids a conversion).
    /// - Throws: `VisionError` for an unreadable frame or a size change; `MediaError` when the disk refuses its row.
    public mutating func append(_ frame: VideoFrame) throws {
        if frameRows == nil, let budget = map.stepBudget, map.framesPerStep == 1, map.frameCount > 0, map.frameCount + 1 >= budget {
            // This frame fills the budget and the map will average its steps in pairs: the full-rate rows
            // it holds go to disk first.
            let spill = try FloatSpill(width: map.cellCount, in: temporaryDirectory)
            try spill.append(map.energies)
            frameRows = spill
            frameTimes = map.times
        }
        let row = try map.append(frame)
        framesSeen += 1
        guard let frameRows else { return }
        try frameRows.append(row)
        frameTimes.append(frame.seconds)
    }

    /// An empty map of the same settings in place of the one filled so far (its memory goes now).
    private mutating func releaseMotion() {
        var empty = MotionMap(cellSize: map.cellSize)
        empty.stepBudget = configuration.motionSteps
        map = empty
    }

    /// The size of the frames appended so far (0 × 0 before the first).
    var analysedSize: (width: Int, height: Int) { (map.width, map.height) }

    /// How many times larger (in each side) the frames should be for the motion to be analysed again, when
    /// `configuration.rescaling` is set and the regions found in the frames appended so far are small
    /// (`finerScale(longerSides:rescaling:)`); nil otherwise, and for the user's regions or a fixed grid.
    public func finerScale() -> Double? {
        guard let rescaling = configuration.rescaling, map.frameCount > 0, configuration.regions?.isEmpty ?? true,
              configuration.grid == nil else { return nil }
        let cell = Double(map.cellSize)
        let sides = configuration.finder.regions(in: map).map { Double(max($0.width, $0.height)) / cell }
        return Self.finerScale(longerSides: sides, rescaling: rescaling)
    }

    /// The factor that brings the median of `longerSides` (cells) to `targetCells`, at most `largestFactor`;
    /// nil when there are no regions or the median is at least `smallCells`.
    static func finerScale(longerSides: [Double], rescaling: Rescaling) -> Double? {
        guard !longerSides.isEmpty else { return nil }
        let sorted = longerSides.sorted()
        let middle = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        guard median < rescaling.smallCells else { return nil }
        return min(rescaling.largestFactor, rescaling.targetCells / max(median, 1))
    }

    /// Deletes the temporary files (the frames' rows).
    public mutating func removeTemporaryFiles() {
        frameRows?.remove()
        frameRows = nil
        frameTimes = []
    }

    /// The motion curve of `region` at the full frame rate: the map's own when it kept every frame,
    /// else read back from the frames' rows a block at a time.
    func track(for region: MotionRegion) throws -> (times: [Double], energy: [Float]) { try track(for: region, in: map) }

    /// - Parameter analysed: the map the regions were found on (global steps zeroed), whose curves are
    ///   used while it keeps every frame.
    func track(for region: MotionRegion, in analysed: MotionMap) throws -> (times: [Double], energy: [Float]) {
        guard map.framesPerStep > 1, let frameRows, frameRows.rowCount == frameTimes.count else {
            return (analysed.times, analysed.series(for: region))
        }
        var energy: [Float] = []
        energy.reserveCapacity(frameTimes.count)
        let block = 1024
        var start = 0
        while start < frameTimes.count {
            let end = min(frameTimes.count, start + block)
            energy += map.series(for: region, rows: try frameRows.read(start..<end))
            start = end
        }
        return (frameTimes, energy)
    }

    /// Checks user regions against a `width × height` video: each must lie inside the frame.
    /// - Returns: one sentence per region that does not, empty when all fit.
    public static func problems(with regions: [MotionRegion], width: Int, height: Int) -> [String] {
        regions.compactMap { r in
            r.x >= 0 && r.y >= 0 && r.width > 0 && r.height > 0 && r.x + r.width <= width && r.y + r.height <= height ? nil
                : "region \(r.x),\(r.y),\(r.width),\(r.height) lies outside the \(width)×\(height) frame"
        }
    }

    /// Separates `audio` guided by the frames appended so far (the whole-array form of
    /// `separate(length:…emit:)`, with the stretches joined; it releases the motion map likewise).
    /// - Parameters:
    ///   - videoWidth: the source video's width in pixels, to report regions in its coordinates
    ///     (nil: the analysed frames' coordinates).
    /// - Throws: `DSPError` for empty audio; `VisionError` for a bad grid.
    public mutating func separate(_ audio: AudioBuffer, videoWidth: Int?) throws -> Output {
        let channels = audio.channels.map(\.array)
        var outputs: [[[Float]]] = []
        let streamed = try separate(length: audio.frameCount, channelCount: audio.channelCount, sampleRate: audio.sampleRate,
                                    startSeconds: audio.startSeconds, read: { range in channels.map { Array($0[range]) } },
                                    videoWidth: videoWidth) { stretch in
            if outputs.isEmpty { outputs = stretch.sources.map { $0.map { _ in [Float]() } } }
            for s in stretch.sources.indices { for c in stretch.sources[s].indices { outputs[s][c] += stretch.sources[s][c] } }
        }
        var output = streamed
        for s in output.sources.indices where s < outputs.count {
            output.sources[s].channels = outputs[s]
            output.result.sources[s].channels = outputs[s]
        }
        return output
    }

    /// Separates a recording read back a chunk at a time (`MotionInformedNMF.separate(length:…emit:)`),
    /// guided by the frames appended so far, handing each stretch of the sources to `emit` as soon as
    /// it is final: the regions are found over the whole video first, then every chunk is attributed
    /// with the same regions.
    ///
    /// One separation per recording: the motion map is released as soon as the regions and their curves are
    /// taken, so the factorisation's memory is never added to the map's (up to `motionSteps` rows of cells,
    /// 300 MB for 512×144 frames); frames appended afterwards start a new map.
    /// - Parameters:
    ///   - startSeconds: the recording's first sample on the media clock (motion times are shifted by it).
    ///   - read: the recording's samples in a range, one array per channel.
    ///   - videoWidth: the source video's width in pixels, to report regions in its coordinates
    ///     (nil: the analysed frames' coordinates).
    ///   - mixtureMagnitude: also build the mixture magnitude for the mask picture (`Output.mixtureMagnitude`).
    ///   - masksReady: the result's masks (pieces counted once, as returned) and the mixture magnitude, as soon as
    ///     they are final: for a recording in one piece before its sources are inverted, so that the mask
    ///     picture is drawn and written beside the inversion and the writing of the sources.
    ///   - emit: the stretches, in order, each with one entry per source in the order of `Output.sources`.
    /// - Returns: the sources with empty `channels` (they were emitted), the result's masks, and the notes.
    /// - Throws: `DSPError` for empty audio; `VisionError` for a bad grid; what `read` and `emit` throw.
    public mutating func separate(length: Int, channelCount: Int, sampleRate: Int, startSeconds: Double, read: (Range<Int>) throws -> [[Float]],
                         videoWidth: Int?, mixtureMagnitude: Bool = false,
                         masksReady: ((_ result: SeparationResult, _ mixtureMagnitude: [Float]) throws -> Void)? = nil,
                         emit: (MotionInformedNMF.SeparatedStretch) throws -> Void) throws -> Output {
        var notes: [String] = []
        var regions: [MotionRegion] = []
        /// Found regions taken for pieces of one player (`pieces(of:…)`): each group's sound is summed into its busiest piece.
        var pieces: [(keep: Int, merged: [Int])] = []
        var tracks: [MotionTrack] = []
        /// Each region's full-rate motion curve on the media clock.
        var curves: [String: (times: [Double], energy: [Float])] = [:]
        var sources = configuration.sources
        let scale = videoWidth.map { map.width > 0 ? Double($0) / Double(map.width) : 1 } ?? 1
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
                let finder = configuration.finder
                regions = finder.regions(in: map)
                if let count = sources, regions.count < count {
                    // Fewer separate movers than sources asked for (players touching): split by timing and place.
                    regions = finder.regions(in: map, count: count)
                }
                // Regions that all move for no measurable time (`activeSeconds` 0, reported as moving 0 s) are no
                // players: a still picture's compression settling over its first frames, a single flicker.
                if try regions.allSatisfy({ Self.activeSeconds(try track(for: $0, in: map).energy, step: 1) == 0 }) { regions = [] }
                if regions.count == 1 && sources == nil { notes.append("one moving region: one player, or players too close to tell apart") }
                if !map.cuts.isEmpty {
                    notes.append("\(map.cuts.count) frame(s) taken for scene cuts, flashes or other whole-picture changes were not counted as motion")
                }
            }
            for region in regions { curves[region.label] = try track(for: region, in: map) }
            pieces = Self.pieces(of: regions, curves: curves, finder: configuration.finder, cellSize: map.cellSize, frameHeight: map.height,
                                 sources: sources, found: configuration.regions?.isEmpty ?? true && configuration.grid == nil)
            // A player's pieces share its kept piece's label: with a count given, a piece goes before a player.
            var player: [String: String] = [:]
            for (keep, merged) in pieces { for i in [keep] + merged { player[regions[i].label] = regions[keep].label } }
            tracks = regions.map { region in
                let curve = curves[region.label]!
                return MotionTrack(label: region.label, times: curve.times.map { $0 - startSeconds }, energy: curve.energy,
                                   player: player[region.label])
            }
            if tracks.isEmpty {
                notes.append("nothing moves in the video (a still picture?); used the audio-only fallback")
            } else if tracks.allSatisfy({ $0.energy.allSatisfy { $0 == 0 } }) {
                notes.append("the given regions do not move (a still picture?); each motion curve is flat, so the attribution has no visual evidence")
            } else if configuration.regions?.isEmpty == false {
                let still = tracks.filter { Self.activeSeconds($0.energy, step: 1) == 0 }.map(\.label)
                if !still.isEmpty {
                    notes.append("nothing moves in the given region(s) \(still.joined(separator: ", ")): whatever sound they get is attributed without visual evidence")
                }
            }
            if let count = sources, regions.count > count {
                notes.append("\(regions.count) moving regions for \(count) sources: the \(regions.count - count) whose sound the other regions explain best are silent")
            }
        } else {
            notes.append("no video frames (no video stream in the input, or none decodable); used the audio-only fallback (split by timbre alone)")
        }
        releaseMotion()
        var meters: [SoundingMeter] = []
        let streamed = try MotionInformedNMF(configuration.nmf).separate(
            length: length, channelCount: channelCount, sampleRate: sampleRate, read: read, motion: tracks, sources: sources,
            chunking: configuration.chunking, mixtureMagnitude: mixtureMagnitude,
            masksReady: masksReady.map { masksReady in
                { masked in
                    var result = masked.result
                    _ = Self.counting(&result, pieces: pieces)
                    try masksReady(result, masked.mixtureMagnitude)
                }
            }) { separated in
            let stretch = Self.merging(separated, pieces: pieces)
            if meters.isEmpty { meters = stretch.sources.map { _ in SoundingMeter(sampleRate: sampleRate) } }
            for s in stretch.sources.indices where s < meters.count { meters[s].add(stretch.sources[s], at: stretch.firstSample) }
            try emit(stretch)
        }
        var result = streamed.result
        if !result.note.isEmpty { notes.append(result.note) }
        notes += Self.counting(&result, pieces: pieces)
        // Pieces counted with their player's kept piece are silent for their own reason (said above).
        let counted = Set(pieces.flatMap(\.merged))
        let silentCount = result.sources.indices.filter { result.sources[$0].silent && !counted.contains($0) }.count
        let soundingCount = result.sources.filter { !$0.silent }.count
        let givenCount = configuration.regions?.count ?? 0
        if let asked = configuration.sources, result.mode == .motion, soundingCount < asked {
            notes.append("asked for \(asked) sources, but the motion explains the sound of only \(soundingCount) region(s); the others are listed silent, with no file")
        } else if givenCount > 0, result.mode == .motion, soundingCount < givenCount {
            // The user's boxes are not moving regions found: more boxes than players, or a box on no player.
            notes.append("\(givenCount) regions given, but the motion explains the sound of only \(soundingCount) of them; the others are listed silent, with no file")
        } else if silentCount > 0 {
            notes.append("\(silentCount) region(s) moved but made no sound (a conductor, a dancer, the audience or a moving background?): listed silent, with no file")
        }
        let separated = result.sources.enumerated().map { s, source in
            let found = regions.first { $0.label == source.label }
            let track = found.flatMap { curves[$0.label] }
            // The user's boxes are reported as given (back from the analysed frames' pixels they would round).
            let given = configuration.regions.flatMap { boxes in regions.firstIndex { $0.label == source.label }.map { boxes[$0] } }
            let region = given.map { MotionRegion(x: $0.x, y: $0.y, width: $0.width, height: $0.height, label: source.label) } ?? found.map {
                MotionRegion(x: Int(Double($0.x) * scale), y: Int(Double($0.y) * scale), width: Int(Double($0.width) * scale),
                             height: Int(Double($0.height) * scale), label: $0.label)
            }
            let moving = track.map { track in
                let count = track.times.count
                let step = count > 1 ? (track.times[count - 1] - track.times[0]) / Double(count - 1) : 0
                return Self.activeSeconds(track.energy, step: step)
            }
            return Source(label: source.label, channels: source.channels, confidence: source.confidence, region: region, silent: source.silent,
                          soundingSeconds: s < meters.count ? meters[s].seconds : 0, movingSeconds: moving)
        }
        if !separated.isEmpty, meters.allSatisfy({ $0.seconds == 0 }) {
            notes.append("the recording is silent: every source is silence")
        }
        return Output(result: result, sources: separated, notes: notes, mixtureMagnitude: streamed.mixtureMagnitude)
    }

    /// Found regions that are pieces of one player (`MotionRegionFinder.pieceGroups`), each group with its busiest piece
    /// (the most motion) to keep: the separation runs on the regions as found (with a count given, a piece goes before any
    /// player's last region: `MotionInformedNMF.competing`), and each group's sound is then summed into the kept piece,
    /// so that a player is one source.
    /// None for the user's regions or a grid, and none with a count given that the groups would leave unmet (fewer players
    /// than sources asked for: the regions then compete one by one, as when two players were glued).
    static func pieces(of regions: [MotionRegion], curves: [String: (times: [Double], energy: [Float])], finder: MotionRegionFinder,
                       cellSize: Int, frameHeight: Int? = nil, sources: Int?, found: Bool) -> [(keep: Int, merged: [Int])] {
        guard found, regions.count > 1 else { return [] }
        let energies = regions.map { curves[$0.label]?.energy ?? [] }
        let totals: [Float] = energies.map { $0.reduce(0, +) }
        let groups = finder.pieceGroups(of: regions, curves: energies, cellSize: cellSize, frameHeight: frameHeight)
        let players = regions.count - groups.reduce(0) { $0 + $1.count - 1 }
        if let sources, players < sources { return [] }
        return groups.map { group in
            // A strip on the frame's edge moves the whole clip and so is often the busiest; its player's own box is kept
            // (the source's place is the kept piece's).
            let boxes = group.filter { !MotionRegionFinder.isEdgeStrip(regions[$0], cell: cellSize, frameHeight: frameHeight) }
            let keep: Int = (boxes.isEmpty ? group : boxes).max { totals[$0] < totals[$1] }!
            return (keep: keep, merged: group.filter { $0 != keep })
        }
    }

    /// `result` with each group of pieces counted once, as `merging(_:pieces:)` summed their signals: the kept
    /// piece sounds (with the group's masks summed and its best confidence) and the others are silent.
    /// - Returns: one note per group whose sound moved to its kept piece.
    static func counting(_ result: inout SeparationResult, pieces: [(keep: Int, merged: [Int])]) -> [String] {
        var notes: [String] = []
        for (keep, merged) in pieces where result.sources.indices.contains(keep) {
            let group = [keep] + merged
            let sounding = group.filter { !result.sources[$0].silent }
            guard !sounding.isEmpty else { continue }
            // Said whenever a piece's sound moved to the kept piece (also when the kept piece alone had been left silent).
            if sounding.contains(where: { $0 != keep }) {
                let labels = group.sorted().map { result.sources[$0].label }.joined(separator: ", ")
                notes.append("regions \(labels) are pieces of one player (side by side and moving at the same times, one box over the other, or a thin or small box above or below a larger one): "
                             + "counted once, their sound is in \(result.sources[keep].label) and the others are listed silent")
            }
            result.sources[keep].confidence = sounding.map { result.sources[$0].confidence }.max()!
            result.sources[keep].silent = false
            // The kept mask taken out while the group's are added (one owner: no copy, no check per cell).
            var mask = result.sources[keep].mask
            result.sources[keep].mask = []
            for m in merged {
                Self.add(result.sources[m].mask, to: &mask)
                result.sources[m].silent = true
                result.sources[m].confidence = 0
                result.sources[m].mask = [Float](repeating: 0, count: result.sources[m].mask.count)
            }
            result.sources[keep].mask = mask
        }
        return notes
    }

    /// `stretch` with each piece's sound added to the piece kept for its player and the others silenced.
    static func merging(_ stretch: MotionInformedNMF.SeparatedStretch, pieces: [(keep: Int, merged: [Int])]) -> MotionInformedNMF.SeparatedStretch {
        guard !pieces.isEmpty else { return stretch }
        var stretch = stretch
        for (keep, merged) in pieces where stretch.sources.indices.contains(keep) {
            // The kept channels taken out while the group's are added (one owner: no copy, no check per sample).
            var channels = stretch.sources[keep]
            stretch.sources[keep] = []
            for m in merged where stretch.sources.indices.contains(m) {
                for c in channels.indices where c < stretch.sources[m].count { add(stretch.sources[m][c], to: &channels[c]) }
                stretch.sources[m] = stretch.sources[m].map { [Float](repeating: 0, count: $0.count) }
            }
            stretch.sources[keep] = channels
        }
        return stretch
    }

    /// `total[i] += part[i]` over the indices both have.
    /// - Complexity: O(min(total.count, part.count)), vectorised.
    static func add(_ part: [Float], to total: inout [Float]) {
        let n = min(total.count, part.count)
        part.withUnsafeBufferPointer { part in
            total.withUnsafeMutableBufferPointer { total in
                for i in 0..<n { total[i] += part[i] }
            }
        }
    }

    /// Seconds of tenth-second blocks within 30 dB of the loudest block, measured a stretch at a time:
    /// the same figure as `soundingSeconds(_:sampleRate:)` over the whole signal, from one Double per block.
    struct SoundingMeter {
        let block: Int
        let sampleRate: Int
        private var sums: [Double] = []
        private var counts: [Int] = []
        private var channelCount = 1

        init(sampleRate: Int) {
            self.sampleRate = sampleRate
            block = max(1, sampleRate / 10)
        }

        /// Adds one stretch (one array per channel) starting at sample `first`.
        mutating func add(_ channels: [[Float]], at first: Int) {
            guard let length = channels.first?.count, length > 0 else { return }
            channelCount = channels.count
            var start = first
            let end = first + length
            while start < end {
                let index = start / block
                let stop = min(end, (index + 1) * block)
                while sums.count <= index { sums.append(0); counts.append(0) }
                var s = sums[index]
                for channel in channels {
                    channel.withUnsafeBufferPointer { samples in
                        for i in (start - first)..<(stop - first) { s += Double(samples[i]) * Double(samples[i]) }
                    }
                }
                sums[index] = s
                counts[index] += stop - start
                start = stop
            }
        }

        var seconds: Double {
            guard sampleRate > 0 else { return 0 }
            let levels = sums.indices.map { sums[$0] / Double(max(1, counts[$0]) * channelCount) }
            guard let peak = levels.max(), peak > 1e-10 else { return 0 }
            return Double(levels.filter { $0 >= peak * 1e-3 }.count * block) / Double(sampleRate)
        }
    }

    /// Seconds of tenth-second blocks whose RMS is within 30 dB of the loudest block's (0 for silence).
    static func soundingSeconds(_ channels: [[Float]], sampleRate: Int) -> Double {
        var meter = SoundingMeter(sampleRate: sampleRate)
        meter.add(channels, at: 0)
        return meter.seconds
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
