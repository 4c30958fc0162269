import Foundation
import TandemVision

// Benchmarks of the vision layer: Haar face detection (peer: Tools/bench/face_detect_bench.py,
// OpenCV's CascadeClassifier.detectMultiScale on the same image and parameters), and face tracking
// over 50 frames with every re-detection a whole-frame scan against the default region re-detection.
let visionBenchSuite = BenchSuite(name: "vision") {
    let cascade = try HaarCascade.stock("frontalface_default")
    let detector = try FaceDetector(cascade: cascade)
    // The astronaut test image (256×256 gray) from the vision test fixtures, tiled 2×2 into 512×512.
    let path = "Tests/TandemVisionTests/Fixtures/astronaut_256x256.gray"
    let small = GrayImage(width: 256, height: 256, pixels: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    var big = [UInt8](repeating: 0, count: 512 * 512)
    for y in 0..<512 { for x in 0..<512 { big[y * 512 + x] = small.pixels[(y % 256) * 256 + x % 256] } }
    let large = GrayImage(width: 512, height: 512, pixels: big)
    let coffee = GrayImage(width: 240, height: 160, pixels: [UInt8](try Data(contentsOf: URL(fileURLWithPath:
        "Tests/TandemVisionTests/Fixtures/coffee_240x160.gray"))))
    @Sendable func track(_ image: GrayImage, fullScanInterval: Int) throws {
        var configuration = FaceTracker.Configuration()
        configuration.fullScanInterval = fullScanInterval
        var tracker = try FaceTracker(detector: detector, configuration: configuration)
        for frame in 0..<50 { tracker.update(image, frameIndex: frame) }
    }
    return [
        BenchCase(name: "parse frontalface_default.xml", run: { _ = try HaarCascade.stock("frontalface_default") }),
        BenchCase(name: "detectMultiScale 256x256", unitName: "frames", run: { _ = detector.detect(in: small) }),
        BenchCase(name: "detectMultiScale 512x512", unitName: "frames", run: { _ = detector.detect(in: large) }),
        BenchCase(name: "track 50 frames 256x256, whole-frame re-detection", run: { try track(small, fullScanInterval: 1) }),
        BenchCase(name: "track 50 frames 256x256, region re-detection", run: { try track(small, fullScanInterval: 25) }),
        BenchCase(name: "track 50 frames 240x160 without a face", run: { try track(coffee, fullScanInterval: 25) }),
    ]
}
