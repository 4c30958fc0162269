import Foundation
import Testing
import TandemCore
@testable import TandemVision

@Suite struct AnalyzerTests {
    func analyzer() throws -> VisualVoiceActivity.Analyzer {
        var configuration = FaceTracker.Configuration()
        configuration.redetectInterval = 25   // two cascade scans per test clip keep the test quick
        configuration.confirmationFrames = 0   // a still picture: confirmation would only delay the face
        return try VisualVoiceActivity.Analyzer(
            tracker: FaceTracker(detector: FaceDetector(cascade: VisionFixtures.face.get()), configuration: configuration),
            mouth: MouthROI(smileDetector: FaceDetector(cascade: VisionFixtures.smile.get())))
    }

    /// The astronaut with a dark mouth gap that opens and closes at 5 Hz on frames 15–34 (25 fps).
    func frame(_ i: Int, base: GrayImage) -> GrayImage {
        var pixels = base.pixels
        let t = Double(i) / 25
        let open = (15..<35).contains(i) ? Int((2 + 2 * sin(2 * .pi * 5 * t)).rounded()) : 0
        for y in 72..<(72 + open) { for x in 104..<122 { pixels[y * 256 + x] = 20 } }
        return GrayImage(width: 256, height: 256, pixels: pixels)
    }

    @Test func findsTheSpeakingStretchOfTheAstronaut() throws {
        let base = try VisionFixtures.image("astronaut", width: 256, height: 256)
        var a = try analyzer()
        for i in 0..<50 { a.append(frame(i, base: base), time: Double(i) / 25) }
        let report = a.finish(duration: 2)
        #expect(report.hasReadableFace)
        // The astronaut (face0) speaks 0.6–1.4 s; the false-positive "face" on the suit never changes,
        // so it is a still picture and not read at all.
        let spoken = report.segments.filter { $0.label == "face0" }
        #expect(spoken.count == 1, "\(report.segments)")
        if let s = spoken.first { #expect(s.start < 0.65 && s.start > 0.2 && s.end > 1.35 && s.end < 1.8, "\(s)") }
        #expect(report.segments.allSatisfy { $0.label == "face0" }, "\(report.segments)")
        #expect(report.scores.keys.sorted() == ["face0"], "\(report.notes)")
        #expect(report.notes.contains { $0.contains("never moves") } && !report.notes.contains { $0.contains("faces at once") }, "\(report.notes)")
        #expect(report.visible == [Segment(start: 0, end: 2, label: "visible")], "the face is on screen throughout")
    }

    @Test func aStillPictureOfAFaceIsNotReadable() throws {
        // A photograph on screen (podcast cover art): nothing in the face ever changes, apart from the
        // step a video keyframe's new quantisation makes, so the picture cannot say when anyone speaks.
        let base = try VisionFixtures.image("astronaut", width: 256, height: 256)
        var a = try analyzer()
        for i in 0..<50 {
            var image = base
            if i >= 20 { image.pixels = image.pixels.map { $0 < 250 ? $0 + 3 : $0 } }
            a.append(image, time: Double(i) / 25)
        }
        let report = a.finish(duration: 2)
        #expect(!report.hasReadableFace && report.segments.isEmpty && report.visible.isEmpty)
        #expect(report.notes.contains { $0.contains("face0: never moves") }, "\(report.notes)")
    }

    @Test func noFaceMeansNoSpeechAndSaysSo() throws {
        let coffee = try VisionFixtures.image("coffee", width: 240, height: 160)
        var a = try analyzer()
        for i in 0..<3 { a.append(coffee, time: Double(i) / 25) }
        let report = a.finish()
        #expect(!report.hasReadableFace && report.segments.isEmpty)
        #expect(report.notes == ["no face found"])
        #expect(report.visible.isEmpty)
    }

    @Test func tooSmallFacesAreIgnoredAndLeavingFacesEndTheVisibleStretch() {
        let mouth = FaceBox(x: 16, y: 32, width: 32, height: 20)
        // A face too small to read: no readable face at all, and the notes say why.
        var small = VisualVoiceActivity.SpeakerScorer()
        for i in 0..<20 {
            small.append(syntheticFace(open: 0, frame: i), time: Double(i) / 25,
                         mouths: [FaceObservation(faceID: 0, box: mouth, isTooSmall: true)])
        }
        let ignored = small.finish(duration: 0.8)
        #expect(!ignored.hasReadableFace && ignored.visible.isEmpty)
        #expect(ignored.notes.contains { $0.contains("too small") })
        // A live face (it says something on frames 5–14) on screen for the first 30 of 50 frames, then gone.
        var leaving = VisualVoiceActivity.SpeakerScorer()
        for i in 0..<50 {
            leaving.append(syntheticFace(open: (5..<15).contains(i) ? i % 4 : 0, frame: i), time: Double(i) / 25,
                           mouths: i < 30 ? [FaceObservation(faceID: 0, box: mouth, isPartlyOutside: i >= 25)] : [])
        }
        let report = leaving.finish(duration: 2)
        #expect(report.hasReadableFace)
        #expect(report.visible.count == 1 && report.visible[0].start == 0 && abs(report.visible[0].end - 1.2) < 1e-9, "\(report.visible)")
        #expect(report.notes.contains { $0.contains("partly outside the frame on 5 frames") })
    }
}
