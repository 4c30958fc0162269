import TandemCore

/// Tiles frames into one picture (a contact sheet) for `write-frames`.
///
/// Each frame is shrunk to a fixed tile width by nearest-neighbour picking (a preview, not a
/// resampler — use `decode`'s resize for model inputs) and placed left to right, top to bottom.
struct ContactSheet {
    let columns: Int
    let tileWidth: Int
    private var tiles: [VideoFrame] = []
    private var tileHeight = 0
    private var layout: PixelLayout = .rgb24

    init(columns: Int, tileWidth: Int) {
        self.columns = columns
        self.tileWidth = tileWidth
    }

    var isEmpty: Bool { tiles.isEmpty }

    /// Adds a shrunk copy of `frame` (rgb24 or gray8; the first frame fixes layout and tile height).
    mutating func add(_ frame: VideoFrame) throws {
        guard frame.layout != .float32CHW else {
            throw NodeError(code: .invalidParameters, message: "a contact sheet needs rgb24 or gray8 frames; decode with layout rgb24")
        }
        if tiles.isEmpty {
            layout = frame.layout
            tileHeight = max(1, frame.height * tileWidth / max(frame.width, 1))
        }
        guard frame.layout == layout else { return }
        let channels = frame.channelCount
        let (w, h) = (tileWidth, tileHeight)
        let source = frame.bytes
        let pixels = SharedArray<UInt8>(unsafeUninitializedCount: w * h * channels) { out in
            for y in 0..<h {
                let sy = min(frame.height - 1, y * frame.height / h)
                for x in 0..<w {
                    let sx = min(frame.width - 1, x * frame.width / w)
                    for c in 0..<channels { out[(y * w + x) * channels + c] = source[sy * frame.stride + sx * channels + c] }
                }
            }
        }
        tiles.append(VideoFrame(layout: layout, width: w, height: h, stride: w * channels, bytes: pixels,
                                pts: frame.pts, timeBase: frame.timeBase, frameIndex: frame.frameIndex, seconds: frame.seconds))
    }

    /// The sheet: `columns` tiles per row, a 2-pixel dark gap between tiles; even width and height.
    func render() -> VideoFrame {
        let gap = 2
        let channels = layout == .gray8 ? 1 : 3
        let cols = min(columns, tiles.count)
        let rows = (tiles.count + cols - 1) / cols
        var width = cols * tileWidth + (cols + 1) * gap
        var height = rows * tileHeight + (rows + 1) * gap
        width += width % 2
        height += height % 2
        var pixels = [UInt8](repeating: 24, count: width * height * channels)
        for (index, tile) in tiles.enumerated() {
            let x0 = gap + (index % cols) * (tileWidth + gap)
            let y0 = gap + (index / cols) * (tileHeight + gap)
            for y in 0..<tileHeight {
                for x in 0..<tileWidth * channels {
                    pixels[((y0 + y) * width + x0) * channels + x] = tile.bytes[y * tile.stride + x]
                }
            }
        }
        return VideoFrame(layout: layout, width: width, height: height, stride: width * channels, bytes: SharedArray(pixels),
                          pts: 0, timeBase: Rational(1, 1), frameIndex: 0, seconds: 0)
    }
}
