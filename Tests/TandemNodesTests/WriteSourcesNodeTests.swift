import Foundation
import Testing
import TandemCore
@testable import TandemNodes

/// `write-sources` reads each region from its segment's typed payload, never from the label's text.
struct WriteSourcesNodeTests {
    @Test func regionEntryComesFromTheTypedPayload() throws {
        // A label that looks like the old `name x y w h silent` text must not be parsed: the payload decides.
        var segment = Segment(start: 0, end: 2, region: PictureRegion(
            label: "motion 1", box: PictureRegion.Box(x: 10, y: 20, width: 30, height: 40), confidence: 0.25,
            silent: true, soundingSeconds: 0, movingSeconds: 1.5))
        segment.label = "other 1 2 3 4"
        let region = try WriteSourcesNode.Region(segment)
        #expect(region.name == "motion_1")
        #expect(region.box == PictureRegion.Box(x: 10, y: 20, width: 30, height: 40))
        #expect(region.silent && region.confidence == 0.25 && region.movingSeconds == 1.5)
        let entry = region.entry
        #expect((entry["region"] as? [String: Int]) == ["x": 10, "y": 20, "width": 30, "height": 40])
        #expect(entry["silent"] as? Bool == true)
    }

    @Test func aSegmentWithoutRegionIsRefusedByName() throws {
        #expect(throws: NodeError.self) { try WriteSourcesNode.Region(Segment(start: 0, end: 1, label: "motion0 1 2 3 4", score: 1)) }
    }

    @Test func segmentsCarryTheirRegionThroughCoding() throws {
        let segment = Segment(start: 0, end: 1, region: PictureRegion(label: "source0", confidence: 0.5))
        let decoded = try JSONDecoder().decode(Segment.self, from: JSONEncoder().encode(segment))
        #expect(decoded == segment && decoded.region?.box == nil && decoded.score == 0.5 && decoded.label == "source0")
    }
}
