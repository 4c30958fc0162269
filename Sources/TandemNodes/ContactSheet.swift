import TandemCore

/// Tiles frames into one picture (a contact sheet) for `write-frames`.
///
/// Each frame is shrunk to a fixed tile width by nearest-neighbour picking (a preview, not a
/// resampler — use `decode`'s resize for model inputs) and placed left to right, top to bottom.
///
/// At most `maxTiles` tiles are kept, so memory stays bounded on long inputs (an hour at one
/// frame per second would otherwise hold 3600 tiles and render a sheet of several hundred
/// megabytes). Past the limit every second tile is dropped and only every `stride`-th frame is
/// kept from then on: the sheet shows evenly spaced frames from the first one on, without
/// knowing the input's length in advance.
struct ContactSheet {
    let columns: Int
    let tileWidth: Int
    let maxTiles: Int
    private var tiles: [VideoFrame] = []
    /// Frames offered so far, and the spacing of the frames kept (a power of two).
    private var offered = 0
    private(set) var stride = 1
    private var tileHeight = 0
    private var layout: PixelLayout = .rgb24

    init(columns: Int, tileWidth: Int, maxTiles: Int = .max) {
        self.columns = columns
        self.tileWidth = tileWidth
        self.maxTiles = max(1, maxTiles)
    }

    var isEmpty: Bool { tiles.isEmpty }
    var tileCount: Int { tiles.count }
    /// The frame indices of the tiles kept (each tile's `frameIndex`).
    var tileFrameIndices: [Int] { tiles.map(\.frameIndex) }

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
        defer { offered += 1 }
        guard offered % stride == 0 else { return }
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
                                pts: frame.pts, timeBase: frame.timeBase, frameIndex: frame.frameIndex, seconds: frame.seconds, time: frame.time))
        if tiles.count > maxTiles {
            tiles = tiles.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
            stride *= 2
        }
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
