/// Per-channel Float32 output buffers handed to `swr_convert`, grown on demand.
final class PlanarScratch {
    private(set) var planes: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>
    private let channels: Int
    private var capacity = 0

    init(channels: Int) {
        self.channels = channels
        planes = .allocate(capacity: max(1, channels))
        planes.initialize(repeating: nil, count: max(1, channels))
    }

    deinit {
        for c in 0..<channels { planes[c]?.deallocate() }
        planes.deallocate()
    }

    func reserve(_ samples: Int) {
        guard samples > capacity else { return }
        for c in 0..<channels {
            planes[c]?.deallocate()
            planes[c] = UnsafeMutableRawPointer.allocate(byteCount: samples * 4, alignment: 32).assumingMemoryBound(to: UInt8.self)
        }
        capacity = samples
    }

    func channel(_ c: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(planes[c]!).assumingMemoryBound(to: Float.self)
    }
}
