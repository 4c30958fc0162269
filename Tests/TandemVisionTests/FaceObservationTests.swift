import Testing
import TandemCore
@testable import TandemVision

/// Face tracks travel between nodes as typed regions at the frame's exact time, never as label text.
@Suite struct FaceObservationTests {
    @Test func aTrackedFaceRoundTripsThroughItsSegment() throws {
        let time = MediaTime(pts: 3_003, timeBase: Rational(1, 90_000))
        let face = FaceObservation(faceID: 12, box: FaceBox(x: -4, y: 20, width: 64, height: 72), detected: false,
                                   isPartlyOutside: true, isTooSmall: false)
        let segment = face.segment(time: time)
        #expect(segment.startTime.ticks == 3_003 && segment.startTime.unit == Rational(1, 90_000) && segment.endTime == time)
        let region = try #require(segment.region)
        #expect(region.label == "face12" && segment.label == "face12")
        #expect(region.box == PictureRegion.Box(x: -4, y: 20, width: 64, height: 72))
        #expect(region.confidence == 0.5 && segment.score == 0.5)
        #expect(region.isPartlyOutside && !region.isTooSmall)
        #expect(FaceObservation(segment: segment) == face)
        let detected = FaceObservation(faceID: 0, box: FaceBox(x: 1, y: 2, width: 3, height: 4), isTooSmall: true)
        #expect(FaceObservation(segment: detected.segment(time: .zero)) == detected)
    }

    @Test func segmentsWithoutAFaceRegionAreNotFaces() {
        #expect(FaceObservation(segment: Segment(start: 0, end: 0, label: "face0 1 2 3 4 detected")) == nil)
        let motion = Segment(start: 0, end: 1, region: PictureRegion(label: "motion0", box: FaceBox(x: 0, y: 0, width: 2, height: 2), confidence: 1))
        #expect(FaceObservation(segment: motion) == nil)
        #expect(FaceObservation(segment: Segment(start: 0, end: 1, region: PictureRegion(label: "face1", confidence: 1))) == nil)
    }

    @Test func theOneBoxTypeKeepsTheFaceGeometry() {
        let box = PictureRegion.Box(x: 10, y: 10, width: 20, height: 10)
        #expect(box.area == 200 && box.centerX == 20 && box.centerY == 15)
        #expect(box.clipped(width: 25, height: 100) == PictureRegion.Box(x: 10, y: 10, width: 15, height: 10))
        #expect(box.overlap(PictureRegion.Box(x: 20, y: 10, width: 20, height: 10)) == 100.0 / 300)
        #expect("\(box)" == "[10,10 20×10]")
    }
}
