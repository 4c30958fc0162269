import Foundation
import Testing
@testable import TandemVision

/// Fixtures from Tools/fixtures/make_vision_fixtures.py: gray images and OpenCV 4's own
/// `detectMultiScale` output on them.
enum VisionFixtures {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!
    }

    static func image(_ name: String, width: Int, height: Int) throws -> GrayImage {
        let data = try Data(contentsOf: url("\(name)_\(width)x\(height).gray"))
        return GrayImage(width: width, height: height, pixels: [UInt8](data))
    }

    struct Expected: Decodable {
        struct Image: Decodable {
            var width: Int
            var height: Int
            var frontalface_default: [[Int]]?
            var frontalface_default_raw: [[Int]]?
            var smile: [[Int]]?
            var frames: [[[Int]]]?
        }
        var images: [String: Image]
    }

    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: url("cascade_expected.json")))
    }

    static func boxes(_ list: [[Int]]) -> [FaceBox] {
        list.map { FaceBox(x: $0[0], y: $0[1], width: $0[2], height: $0[3]) }
    }

    /// Six 320×180 frames of FFmpeg's testsrc2 on which OpenCV finds transient false faces.
    static func testPatternFrames() throws -> [GrayImage] {
        let data = [UInt8](try Data(contentsOf: url("testpattern_320x180x6.gray")))
        let size = 320 * 180
        return (0..<data.count / size).map { GrayImage(width: 320, height: 180, pixels: Array(data[$0 * size..<($0 + 1) * size])) }
    }

    static let face = Result { try HaarCascade.stock("frontalface_default") }
    static let smile = Result { try HaarCascade.stock("smile") }
}

/// Greedy one-to-one matching: every expected box has a distinct found box within `tolerance` on each edge.
func matches(_ found: [FaceBox], _ expected: [FaceBox], tolerance: Int) -> Bool {
    guard found.count == expected.count else { return false }
    var unused = found
    for e in expected {
        guard let i = unused.firstIndex(where: {
            abs($0.x - e.x) <= tolerance && abs($0.y - e.y) <= tolerance
                && abs($0.width - e.width) <= tolerance && abs($0.height - e.height) <= tolerance
        }) else { return false }
        unused.remove(at: i)
    }
    return true
}

@Suite struct HaarCascadeTests {
    @Test func parsesFrontalFace() throws {
        let cascade = try VisionFixtures.face.get()
        #expect(cascade.windowWidth == 24 && cascade.windowHeight == 24)
        #expect(cascade.stages.count == 25)
        #expect(cascade.stages[0].trees.count == 9)
        #expect(cascade.isStumpBased)
        #expect(!cascade.hasTiltedFeatures)
        #expect(cascade.features.count == 2913)
        let first = cascade.stages[0].trees[0].nodes[0]
        #expect(first.left == 0 && first.right == -1 && first.featureIndex == 0)
        #expect(abs(cascade.stages[0].threshold - (-5.0425500869750977 - 1e-5)) < 1e-6)
        #expect(cascade.features[0].rects.count == 2)
    }

    @Test func parsesSmileWithTiltedFeatures() throws {
        let cascade = try VisionFixtures.smile.get()
        #expect(cascade.windowWidth == 36 && cascade.windowHeight == 18)
        #expect(cascade.hasTiltedFeatures)
        #expect(cascade.stages.count == 20)
    }

    @Test func rejectsBadCascades() throws {
        #expect(throws: VisionError.self) { try HaarCascade(xml: "<opencv_storage><cascade><stageType>BOOST</stageType><featureType>LBP</featureType></cascade></opencv_storage>") }
        #expect(throws: VisionError.self) { try HaarCascade(xml: "<opencv_storage><cascade>") }
        do {
            _ = try HaarCascade(contentsOf: URL(fileURLWithPath: "/nonexistent/cascade.xml"))
            Issue.record("expected an error")
        } catch let error as VisionError {
            #expect(error.code == .cascadeUnreadable)
            #expect(error.message.contains("/nonexistent/cascade.xml"))
        }
    }

    @Test func integralImagesMatchDirectSums() throws {
        let w = 7, h = 5
        let pixels = (0..<(w * h)).map { UInt8(($0 * 37 + 11) % 256) }
        let integral = pixels.withUnsafeBufferPointer { HaarCascade.IntegralImages($0, width: w, height: h, withTilted: true) }
        func p(_ x: Int, _ y: Int) -> Int { Int(pixels[y * w + x]) }
        for Y in 0...h {
            for X in 0...w {
                var s = 0, t = 0
                for y in 0..<Y {
                    for x in 0..<w {
                        if x < X { s += p(x, y) }
                        if abs(x - X + 1) <= Y - y - 1 { t += p(x, y) }
                    }
                }
                #expect(integral.sums[Y * (w + 1) + X] == s)
                #expect(integral.tilted[Y * (w + 1) + X] == t)
            }
        }
        #expect(integral.sum(x: 2, y: 1, width: 3, height: 2) == (1..<3).reduce(0) { a, y in a + (2..<5).reduce(0) { $0 + p($1, y) } })
    }

    @Test func groupingFollowsOpenCV() {
        // Four near-identical hits form one group; a lone hit is dropped at threshold 3.
        let hits = [FaceBox(x: 10, y: 10, width: 40, height: 40), FaceBox(x: 12, y: 10, width: 40, height: 40),
                    FaceBox(x: 10, y: 12, width: 44, height: 44), FaceBox(x: 11, y: 11, width: 40, height: 40),
                    FaceBox(x: 100, y: 100, width: 30, height: 30)]
        let grouped = FaceDetector.groupRectangles(hits, threshold: 3, eps: 0.2)
        #expect(grouped == [FaceBox(x: 11, y: 11, width: 41, height: 41)])
        #expect(FaceDetector.groupRectangles(hits, threshold: 0, eps: 0.2) == hits)
    }

    @Test func rawWindowsMatchOpenCV() throws {
        let expected = try VisionFixtures.expected().images["astronaut"]!
        let image = try VisionFixtures.image("astronaut", width: 256, height: 256)
        let detector = try FaceDetector(cascade: VisionFixtures.face.get(), minNeighbors: 0)
        let raw = detector.candidates(in: image)
        let reference = VisionFixtures.boxes(expected.frontalface_default_raw!)
        // The same pyramid pixels and the same float arithmetic accept exactly the same windows.
        #expect(raw.count == reference.count)
        #expect(Set(raw) == Set(reference), "ours only \(Set(raw).subtracting(reference)), OpenCV only \(Set(reference).subtracting(raw))")
    }

    @Test func detectsTheAstronautsFaceLikeOpenCV() throws {
        let expected = try VisionFixtures.expected().images["astronaut"]!
        let image = try VisionFixtures.image("astronaut", width: 256, height: 256)
        let detector = try FaceDetector(cascade: VisionFixtures.face.get())
        let found = detector.detect(in: image)
        let reference = VisionFixtures.boxes(expected.frontalface_default!)
        #expect(matches(found, reference, tolerance: 0), "ours \(found), OpenCV \(reference)")
    }

    @Test func findsNoFaceInCoffee() throws {
        let image = try VisionFixtures.image("coffee", width: 240, height: 160)
        let detector = try FaceDetector(cascade: VisionFixtures.face.get())
        #expect(detector.detect(in: image).isEmpty)
    }

    @Test func smileCascadeWithTiltedFeaturesMatchesOpenCV() throws {
        let expected = try VisionFixtures.expected().images["astronaut_mouth"]!
        let image = try VisionFixtures.image("astronaut_mouth", width: expected.width, height: expected.height)
        let detector = try FaceDetector(cascade: VisionFixtures.smile.get(), minNeighbors: 0)
        let raw = detector.candidates(in: image)
        let reference = VisionFixtures.boxes(expected.smile!)
        #expect(raw.count == reference.count)
        #expect(Set(raw) == Set(reference), "ours only \(Set(raw).subtracting(reference)), OpenCV only \(Set(reference).subtracting(raw))")
    }
}
