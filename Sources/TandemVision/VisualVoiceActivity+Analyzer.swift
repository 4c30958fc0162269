import TandemCore

extension VisualVoiceActivity {
    /// Turns a talking-head video into who-speaks-when: tracks faces, places each mouth, measures
    /// lip activity per face, and at the end yields speaker-labelled speech segments.
    ///
    /// The three stages are also usable one by one (the `face-track`, `mouth-roi` and
    /// `lip-activity` nodes): `FaceTracker`, `MouthPlacer`, `SpeakerScorer`; this runs them in a row.
    ///
    /// ```swift
    /// var analyzer = try VisualVoiceActivity.Analyzer()
    /// for frame in frames { try analyzer.append(GrayImage(frame), time: frame.seconds) }
    /// let report = analyzer.finish(duration: clipSeconds)   // report.segments, report.notes
    /// ```
    public struct Analyzer: Sendable {
        public var tracker: FaceTracker
        public var placer: MouthPlacer
        public var scorer: SpeakerScorer
        public var times: [Double] { scorer.times }

        /// An analyzer with the stock frontal-face and smile cascades.
        /// - Throws: `VisionError(.cascadeUnreadable)` when Debian's `opencv-data` is missing.
        public init(tracker: FaceTracker? = nil, mouth: MouthROI? = nil, lipConfiguration: LipActivity.Configuration = .init()) throws {
            self.tracker = try tracker ?? FaceTracker(detector: FaceDetector(cascade: .stock("frontalface_default")))
            placer = try MouthPlacer(mouth: mouth)
            scorer = SpeakerScorer(lipConfiguration: lipConfiguration)
        }

        /// Adds the next frame.
        public mutating func append(_ image: GrayImage, time: Double) {
            let faces = tracker.update(image, frameIndex: scorer.times.count).map(FaceObservation.init)
            scorer.append(image, time: time, mouths: faces.map { placer.place($0, in: image) })
        }

        public typealias Report = SpeakerScorer.Report

        /// Scores every face and segments the speech.
        /// - Parameter duration: clip length in seconds (padding stops there).
        public func finish(duration: Double? = nil, configuration: Configuration = Configuration()) -> Report {
            scorer.finish(duration: duration, configuration: configuration)
        }
    }

    /// Places the mouth of each tracked face: the face geometry, refined by the smile cascade on
    /// frames where the detector confirmed the face; in between the mouth keeps its offset from the
    /// (smoothed) face box, so the smile cascade does not run on every frame.
    public struct MouthPlacer: Sendable {
        public var mouth: MouthROI
        private var offsets: [Int: (dx: Double, dy: Double)] = [:]

        /// - Parameter mouth: nil uses the stock smile cascade for refinement.
        /// - Throws: `VisionError(.cascadeUnreadable)` when Debian's `opencv-data` is missing.
        public init(mouth: MouthROI? = nil) throws {
            self.mouth = try mouth ?? MouthROI(smileDetector: FaceDetector(cascade: .stock("smile"), minNeighbors: 3))
        }

        /// The mouth of `face` on `image`: the same observation with the mouth's box.
        public mutating func place(_ face: FaceObservation, in image: GrayImage) -> FaceObservation {
            if face.detected || offsets[face.faceID] == nil {
                let region = mouth.region(face: face.box, in: image)
                let geometric = MouthROI.geometricRegion(face: face.box)
                offsets[face.faceID] = (region.centerX - geometric.centerX, region.centerY - geometric.centerY)
            }
            let offset = offsets[face.faceID]!
            var result = face
            result.box = MouthROI.geometricRegion(face: face.box)
            result.box.x += Int(offset.dx.rounded())
            result.box.y += Int(offset.dy.rounded())
            return result
        }
    }

    /// Lip activity of every face over the frames, then who-speaks-when with bad-input notes.
    public struct SpeakerScorer: Sendable {
        public var lipConfiguration: LipActivity.Configuration
        private(set) var lips: [Int: LipActivity] = [:]
        private(set) var tooSmallFrames: [Int: Int] = [:]
        private(set) var partlyOutsideFrames: [Int: Int] = [:]
        public private(set) var times: [Double] = []

        public init(lipConfiguration: LipActivity.Configuration = .init()) {
            self.lipConfiguration = lipConfiguration
        }

        /// Adds the next frame with the mouths placed on it (one observation per visible face,
        /// its box the mouth's).
        public mutating func append(_ image: GrayImage, time: Double, mouths: [FaceObservation]) {
            var seen = Set<Int>()
            for face in mouths {
                seen.insert(face.faceID)
                if lips[face.faceID] == nil {
                    var fresh = LipActivity(configuration: lipConfiguration)
                    for t in times { fresh.appendMissing(time: t) }
                    lips[face.faceID] = fresh
                }
                if face.isTooSmall { tooSmallFrames[face.faceID, default: 0] += 1 }
                if face.isPartlyOutside { partlyOutsideFrames[face.faceID, default: 0] += 1 }
                lips[face.faceID]!.append(image, mouth: face.box, time: time)
            }
            for id in lips.keys where !seen.contains(id) { lips[id]!.appendMissing(time: time) }
            times.append(time)
        }

        /// What the picture says about speech.
        public struct Report: Sendable {
            /// Speech segments labelled with the speaking face (`face0`, `face1`, …).
            public var segments: [Segment]
            /// Per face, its speaking score per frame (faces too small to read score 0).
            public var scores: [String: [Double]]
            /// Per face scored, its mouth opening per frame (`LipActivity.opening`), nil where the mouth was not seen.
            public var openings: [String: [Double?]]
            public var times: [Double]
            /// Bad-input findings: no face, several faces, faces too small or leaving the frame.
            public var notes: [String]
            /// False when no readable face was seen at all: callers should fall back to audio only.
            public var hasReadableFace: Bool
            /// Where at least one readable face was on screen (label `visible`). Outside these stretches
            /// the picture cannot say whether anyone speaks, so recognisers should listen there unaided.
            public var visible: [Segment]
        }

        /// Scores every face and segments the speech.
        /// - Parameter duration: clip length in seconds (padding stops there).
        public func finish(duration: Double? = nil, configuration: Configuration = Configuration()) -> Report {
            var notes: [String] = []
            var scores: [String: [Double]] = [:]
            var openings: [String: [Double?]] = [:]
            for (id, activity) in lips.sorted(by: { $0.key < $1.key }) {
                let present = activity.present.filter { $0 }.count
                let small = tooSmallFrames[id] ?? 0
                if present > 0 && small * 2 > present {
                    notes.append("face\(id): too small to read lips on \(small) of \(present) frames; ignored")
                    continue
                }
                if activity.isStill {
                    notes.append("face\(id): never moves (a still picture), so its lips cannot tell when anyone speaks; ignored")
                    continue
                }
                if let outside = partlyOutsideFrames[id], outside > 0 {
                    notes.append("face\(id): partly outside the frame on \(outside) frames")
                }
                scores["face\(id)"] = activity.speakingScores()
                openings["face\(id)"] = zip(activity.opening, activity.present).map { $1 ? Double($0) : nil }
            }
            if lips.isEmpty { notes.append(times.isEmpty ? "no video frames" : "no face found") }
            let readable = lips.filter { scores["face\($0.key)"] != nil }.map(\.value.present)
            let mostAtOnce = times.indices.map { t in readable.filter { $0[t] }.count }.max() ?? 0
            if mostAtOnce > 1 { notes.append("\(mostAtOnce) faces at once; each segment names the face that spoke") }
            let frameDuration = times.count > 1 ? (times.last! - times.first!) / Double(times.count - 1) : 0.04
            let segments = scores.isEmpty ? [] : VisualVoiceActivity.speakerSegments(
                scores: scores, times: times, frameDuration: frameDuration, totalDuration: duration, configuration: configuration)
            let seen = times.indices.map { t in readable.contains { $0[t] } }
            return Report(segments: segments, scores: scores, openings: openings, times: times, notes: notes, hasReadableFace: !scores.isEmpty,
                          visible: Self.runs(seen, times: times, frameDuration: frameDuration, end: duration))
        }

        /// The stretches where `flags` hold, from each run's first frame to its last frame's end.
        static func runs(_ flags: [Bool], times: [Double], frameDuration: Double, end: Double?) -> [Segment] {
            var result: [Segment] = []
            var i = 0
            while i < flags.count {
                guard flags[i] else { i += 1; continue }
                var j = i
                while j + 1 < flags.count && flags[j + 1] { j += 1 }
                // The last run reaches the clip's end: a face on the last frame is on screen until then.
                let stop = j == flags.count - 1 ? max(times[j] + frameDuration, end ?? 0) : times[j] + frameDuration
                result.append(Segment(start: i == 0 ? min(0, times[0]) : times[i], end: stop, label: "visible"))
                i = j + 1
            }
            return result
        }
    }
}
