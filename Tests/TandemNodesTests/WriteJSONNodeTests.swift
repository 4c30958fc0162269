import Foundation
import Testing
import TandemCore
@testable import TandemNodes

/// write-json writes what a segment carries, typed regions included (box, confidence, flags), so a
/// consumer of face tracks or separated players reads the box rather than parsing a label.
struct WriteJSONNodeTests {
    @Test func segmentsKeepTheirRegions() throws {
        let face = PictureRegion(label: "face2", box: PictureRegion.Box(x: 10, y: 20, width: 30, height: 40), confidence: 0.5, isPartlyOutside: true)
        let player = PictureRegion(label: "motion0", confidence: 0.8, silent: true, soundingSeconds: 0, movingSeconds: 3.5)
        let object = WriteJSONNode.object(.segments([Segment(start: 1, end: 1, region: face), Segment(start: 0, end: 4, region: player),
                                                     Segment(start: 0, end: 1, label: "speech", score: 0.9)]))
        let segments = try #require(object["segments"] as? [[String: Any]])
        let faceRegion = try #require(segments[0]["region"] as? [String: Any])
        #expect(faceRegion["label"] as? String == "face2" && faceRegion["confidence"] as? Double == 0.5)
        #expect(faceRegion["box"] as? [String: Int] == ["x": 10, "y": 20, "width": 30, "height": 40])
        #expect(faceRegion["partly_outside"] as? Bool == true && faceRegion["too_small"] as? Bool == false)
        let playerRegion = try #require(segments[1]["region"] as? [String: Any])
        #expect(playerRegion["box"] == nil && playerRegion["silent"] as? Bool == true && playerRegion["moving_seconds"] as? Double == 3.5)
        #expect(segments[2]["region"] == nil && segments[2]["label"] as? String == "speech")
        // The whole document is valid JSON.
        #expect(JSONSerialization.isValidJSONObject(object))
    }
}
