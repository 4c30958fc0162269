import Foundation
import Testing
import TandemCore
@testable import TandemVision

/// A 64×64 "face" whose mouth (a dark band at rows 40…) opens by `openRows(t)` rows, with ±1 grey
/// level of deterministic noise so a still face is not perfectly still.
func syntheticFace(open: Int, frame: Int) -> GrayImage {
    var pixels = [UInt8](repeating: 0, count: 64 * 64)
    var seed = UInt32(truncatingIfNeeded: frame &* 2654435761)
    for y in 0..<64 {
        for x in 0..<64 {
            seed = seed &* 1664525 &+ 1013904223
            let noise = Int(seed >> 30) - 1
            var v = 150
            if y >= 38 && y < 40 || y >= 40 + open && y < 42 + open { v = 110 }   // lips
            if y >= 40 && y < 40 + open && x >= 20 && x < 44 { v = 30 }            // the gap between them
            pixels[y * 64 + x] = UInt8(v + noise)
        }
    }
    return GrayImage(width: 64, height: 64, pixels: pixels)
}

@Suite struct LipActivityTests {
    let mouth = FaceBox(x: 16, y: 32, width: 32, height: 20)

    /// Mouth opening for frame `i` at 25 fps: syllables at 5 Hz while `speaking(t)`.
    func openRows(_ i: Int, speaking: (Double) -> Bool) -> Int {
        let t = Double(i) / 25
        return speaking(t) ? Int((3 + 3 * sin(2 * .pi * 5 * t)).rounded()) : 0
    }

    @Test func openingMeasuresTheDarkGap() {
        let closed = LipActivity.opening(syntheticFace(open: 0, frame: 0))
        let open = LipActivity.opening(syntheticFace(open: 6, frame: 0))
        #expect(open > closed + 0.2)
    }

    @Test func speakingStretchBecomesOneSegment() {
        var lips = LipActivity()
        let speaking: (Double) -> Bool = { $0 >= 1 && $0 < 2 }
        for i in 0..<75 {
            lips.append(syntheticFace(open: openRows(i, speaking: speaking), frame: i), mouth: mouth, time: Double(i) / 25)
        }
        let scores = lips.speakingScores()
        let inside = scores[30..<45].reduce(0, +) / 15, outside = (scores[0..<20] + scores[60..<75]).reduce(0, +) / 35
        #expect(inside > 0.7 && outside < 0.4, "inside \(inside), outside \(outside)")
        let segments = VisualVoiceActivity.segments(scores: scores, times: lips.times, frameDuration: 0.04)
        #expect(segments.count == 1)
        if let s = segments.first {
            #expect(abs(s.start - 0.8) < 0.2 && abs(s.end - 2.2) < 0.2, "\(s)")
        }
    }

    @Test func headShakeIsNotLipMotion() {
        // A still, half-open mouth on a head that shakes sideways by a pixel from frame to frame, the
        // mouth box following it a frame late (as a tracker does) scores as still. The 48-pixel box maps
        // one frame pixel to one patch pixel.
        let box = FaceBox(x: 8, y: 32, width: 48, height: 20)
        let shifts = [0, 1, -1, 1, 0, -1, 1, 0, -1, 1]
        func shifted(_ image: GrayImage, by dx: Int) -> GrayImage {
            var pixels = image.pixels
            for y in 0..<image.height {
                for x in 0..<image.width { pixels[y * image.width + x] = image.pixels[y * image.width + min(max(x - dx, 0), image.width - 1)] }
            }
            return GrayImage(width: image.width, height: image.height, pixels: pixels)
        }
        func run(_ configuration: LipActivity.Configuration, shaking: Bool) -> LipActivity {
            var lips = LipActivity(configuration: configuration)
            for i in 0..<50 {
                let dx = shaking ? shifts[i % shifts.count] : 0, lag = shaking && i > 0 ? shifts[(i - 1) % shifts.count] : 0
                lips.append(shifted(syntheticFace(open: 4, frame: i), by: dx),
                            mouth: FaceBox(x: box.x + lag, y: box.y, width: box.width, height: box.height), time: Double(i) / 25)
            }
            return lips
        }
        let steady = run(.init(), shaking: false), shaking = run(.init(), shaking: true)
        let a = steady.motion.reduce(0, +), b = shaking.motion.reduce(0, +)
        #expect(b < 1.5 * a + 0.01, "steady \(a), shaking \(b)")
        #expect(VisualVoiceActivity.segments(scores: shaking.speakingScores(), times: shaking.times, frameDuration: 0.04).isEmpty)
        // Without compensation the same shake reads as motion.
        var plain = LipActivity.Configuration()
        plain.maxShift = 0
        #expect(run(plain, shaking: true).motion.reduce(0, +) > 2 * b)
    }

    @Test func mouthBoxJumpIsNotLipMotion() {
        // A still, half-open mouth whose box moves down by 6 pixels for a few frames and back (the smile
        // cascade refining the mouth on a re-detected frame): far beyond the shift compensation, yet
        // both frames are compared at the same box, so nothing moved.
        var lips = LipActivity()
        for i in 0..<50 {
            let box = (20..<24).contains(i) ? FaceBox(x: 16, y: 38, width: 32, height: 20) : mouth
            lips.append(syntheticFace(open: 3, frame: i), mouth: box, time: Double(i) / 25)
        }
        #expect(lips.motion[20] < 0.01 && lips.motion[24] < 0.01, "\(lips.motion[18..<26])")
        #expect(VisualVoiceActivity.segments(scores: lips.speakingScores(), times: lips.times, frameDuration: 0.04).isEmpty)
    }

    @Test func stillOrMissingFaceGivesNoSpeech() {
        var lips = LipActivity()
        for i in 0..<50 {
            if i % 10 == 3 { lips.appendMissing(time: Double(i) / 25); continue }
            lips.append(syntheticFace(open: 0, frame: i), mouth: mouth, time: Double(i) / 25)
        }
        let scores = lips.speakingScores()
        #expect(VisualVoiceActivity.segments(scores: scores, times: lips.times, frameDuration: 0.04).isEmpty)
        #expect(scores[3] == 0 && scores[13] == 0)
        // A mouth box wholly outside the frame counts as missing.
        lips.append(syntheticFace(open: 0, frame: 0), mouth: FaceBox(x: 100, y: 100, width: 10, height: 10), time: 2)
        #expect(lips.present.last == false)
    }
}

@Suite struct VisualVoiceActivityTests {
    let times = (0..<100).map { Double($0) / 25 }

    @Test func hysteresisHoldsThroughDips() {
        #expect(VisualVoiceActivity.hysteresis([0.1, 0.7, 0.5, 0.45, 0.3, 0.5, 0.65], on: 0.6, off: 0.4)
            == [false, true, true, true, false, false, true])
    }

    @Test func shortBurstsDropAndShortGapsMerge() {
        var c = VisualVoiceActivity.Configuration()
        c.padding = 0
        var active = [Bool](repeating: false, count: 100)
        for i in 10..<30 { active[i] = true }      // 0.4–1.2 s
        for i in 34..<50 { active[i] = true }      // gap of 0.16 s: merged
        active[80] = true                          // 0.04 s: dropped
        let s = VisualVoiceActivity.segments(active: active, times: times, frameDuration: 0.04, configuration: c)
        #expect(s.count == 1)
        #expect(abs(s[0].start - 0.4) < 1e-9 && abs(s[0].end - 2.0) < 1e-9)
        c.padding = 0.2
        let padded = VisualVoiceActivity.segments(active: active, times: times, frameDuration: 0.04, totalDuration: 4, configuration: c)
        #expect(abs(padded[0].start - 0.2) < 1e-9 && abs(padded[0].end - 2.2) < 1e-9)
        let silences = VisualVoiceActivity.silences(padded, duration: 4)
        #expect(silences.count == 2 && abs(silences[1].start - 2.2) < 1e-9 && silences[1].end == 4)
    }

    @Test func picksWhichFaceSpeaks() {
        var a = [Double](repeating: 0.1, count: 100), b = a
        for i in 10..<40 { a[i] = 0.9 }
        for i in 50..<90 { b[i] = 0.8 }
        for i in 35..<40 { b[i] = 0.7 }            // both active: the higher score (a) wins
        let s = VisualVoiceActivity.speakerSegments(scores: ["face0": a, "face1": b], times: times, frameDuration: 0.04, totalDuration: 4)
        #expect(s.map(\.label) == ["face0", "face1"])
        #expect(s[0].end <= s[1].start)
        #expect(abs(s[0].start - 0.2) < 1e-9 && abs(s[1].end - 3.8) < 1e-9)
    }
}
