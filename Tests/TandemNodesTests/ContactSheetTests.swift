import Foundation
import Testing
import TandemCore
import TandemMedia
@testable import TandemNodes

/// The contact sheet keeps a bounded number of evenly spaced tiles, so `write-frames` over an
/// hour of video does not hold thousands of tiles (and a sheet hundreds of megabytes large).
@Suite struct ContactSheetTests {
    func frame(_ index: Int) -> VideoFrame {
        VideoFrame(layout: .gray8, width: 8, height: 4, stride: 8, bytes: SharedArray([UInt8](repeating: UInt8(index % 256), count: 32)),
                   pts: Int64(index), timeBase: Rational(1, 1), frameIndex: index, seconds: Double(index))
    }

    @Test func tilesAreBoundedAndEvenlySpaced() throws {
        var sheet = ContactSheet(columns: 4, tileWidth: 16, maxTiles: 10)
        for index in 0..<1000 { try sheet.add(frame(index)) }
        #expect(sheet.tileCount <= 10 && sheet.tileCount > 5)
        let indices = sheet.tileFrameIndices
        #expect(indices == Array(stride(from: 0, to: 1000, by: sheet.stride)))
        #expect(sheet.stride == 128)
    }

    @Test func shortInputsKeepEveryFrame() throws {
        var sheet = ContactSheet(columns: 4, tileWidth: 16, maxTiles: 10)
        for index in 0..<10 { try sheet.add(frame(index)) }
        #expect(sheet.tileFrameIndices == Array(0..<10))
    }

    @Test func writeFramesSheetIsBounded() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-sheet-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let video = root.appendingPathComponent("in/clip.mp4")
        try MediaSamples.video(video, frames: 120, fps: 25)
        let pipeline = try Pipeline.load(yaml: """
            version: 1
            nodes:
              - {id: decode, kind: decode}
              - id: frames
                kind: write-frames
                params: {images: false, contact_sheet: "{stem}.png", columns: 4, tile_width: 16, max_tiles: 8}
                inputs: {video: decode.video}
            """, file: "test.yaml", catalog: .standard)
        let graph = try pipeline.makeGraph(catalog: .standard)
        let result = try GraphExecution(graph, input: InputFile(url: video, relativePath: "clip.mp4"),
                                        outputDirectory: root.appendingPathComponent("out")).run()
        #expect(result.outputs == ["clip.png"])
        let sheet = try #require(try FrameReader(url: root.appendingPathComponent("out/clip.png")).next())
        // Frames 0, 16, …, 112: two rows of four 16×12 tiles with 2 px gaps.
        #expect(sheet.width == 4 * 16 + 5 * 2)
        #expect(sheet.height == 2 * 12 + 3 * 2)
    }
}
