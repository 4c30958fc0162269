import TandemCore

extension VisualVoiceActivity {
    /// Turns a talking-head video into who-speaks-when: tracks faces, places each mouth, measures
    /// lip activity per face, and at the end yields speaker-labelled speech segments.
    ///
    /// ```swift
    /// var analyzer = try VisualVoiceActivity.Analyzer()
    /// for frame in frames { try analyzer.append(GrayImage(frame), time: frame.seconds) }
    /// let report = analyzer.finish(duration: clipSeconds)   // report.segments, report.notes
    /// ```
    public struct Analyzer: Sendable {
        public var tracker: FaceTracker
        public var mouth: MouthROI
        public var lipConfiguration: LipActivity.Configuration
        private(set) var lips: [Int: LipActivity] = [:]
        private(set) var tooSmallFrames: [Int: Int] = [:]
        private(set) var partlyOutsideFrames: [Int: Int] = [:]
        private var mouthOffsets: [Int: (dx: Double, dy: Double)] = [:]
        public private(set) var times: [Double] = []
        private var maxSimultaneousFaces = 0

        /// An analyzer with the stock frontal-face and smile cascades.
        /// - Throws: `VisionError(.cascadeUnreadable)` when Debian's `opencv-data` is missing.
        public init(tracker: FaceTracker? = nil, mouth: MouthROI? = nil, lipConfiguration: LipActivity.Configuration = .init()) throws {
            self.tracker = try tracker ?? FaceTracker(detector: FaceDetector(cascade: .stock("frontalface_default")))
            self.mouth = try mouth ?? MouthROI(smileDetector: FaceDetector(cascade: .stock("smile"), minNeighbors: 3))
            self.lipConfiguration = lipConfiguration
        }

        /// Adds the next frame.
        public mutating func append(_ image: GrayImage, time: Double) {
            let index = times.count
            let faces = tracker.update(image, frameIndex: index)
            maxSimultaneousFaces = max(maxSimultaneousFaces, faces.count)
            var seen = Set<Int>()
            for face in faces {
                seen.insert(face.id)
                if lips[face.id] == nil {
                    var fresh = LipActivity(configuration: lipConfiguration)
                    for t in times { fresh.appendMissing(time: t) }
                    lips[face.id] = fresh
                }
                // The smile cascade runs only when the detector confirmed the face; in between the
                // mouth keeps its offset from the (smoothed) face box.
                if face.detectedThisFrame || mouthOffsets[face.id] == nil {
                    let region = mouth.region(face: face.box, in: image)
                    let geometric = MouthROI.geometricRegion(face: face.box)
                    mouthOffsets[face.id] = (region.centerX - geometric.centerX, region.centerY - geometric.centerY)
                }
                let offset = mouthOffsets[face.id]!
                var box = MouthROI.geometricRegion(face: face.box)
                box.x += Int(offset.dx.rounded())
                box.y += Int(offset.dy.rounded())
                if face.isTooSmall { tooSmallFrames[face.id, default: 0] += 1 }
                if face.isPartlyOutside { partlyOutsideFrames[face.id, default: 0] += 1 }
                lips[face.id]!.append(image, mouth: box, time: time)
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
            public var times: [Double]
            /// Bad-input findings: no face, several faces, faces too small or leaving the frame.
            public var notes: [String]
            /// False when no readable face was seen at all: callers should fall back to audio only.
            public var hasReadableFace: Bool
        }

        /// Scores every face and segments the speech.
        /// - Parameter duration: clip length in seconds (padding stops there).
        public func finish(duration: Double? = nil, configuration: Configuration = Configuration()) -> Report {
            var notes: [String] = []
            var scores: [String: [Double]] = [:]
            for (id, activity) in lips.sorted(by: { $0.key < $1.key }) {
                let present = activity.present.filter { $0 }.count
                let small = tooSmallFrames[id] ?? 0
                if present > 0 && small * 2 > present {
                    notes.append("face\(id): too small to read lips on \(small) of \(present) frames; ignored")
                    continue
                }
                if let outside = partlyOutsideFrames[id], outside > 0 {
                    notes.append("face\(id): partly outside the frame on \(outside) frames")
                }
                scores["face\(id)"] = activity.speakingScores()
            }
            if lips.isEmpty { notes.append("no face found") }
            if maxSimultaneousFaces > 1 { notes.append("\(maxSimultaneousFaces) faces at once; each segment names the face that spoke") }
            let frameDuration = times.count > 1 ? (times.last! - times.first!) / Double(times.count - 1) : 0.04
            let segments = scores.isEmpty ? [] : VisualVoiceActivity.speakerSegments(
                scores: scores, times: times, frameDuration: frameDuration, totalDuration: duration, configuration: configuration)
            return Report(segments: segments, scores: scores, times: times, notes: notes, hasReadableFace: !scores.isEmpty)
        }
    }
}
