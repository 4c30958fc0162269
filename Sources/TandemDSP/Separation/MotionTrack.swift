/// The motion of one image region over time, as the separator takes it: what `TandemVision`'s
/// `MotionEnergy` or `MotionMap` measure, without the DSP layer depending on video types.
public struct MotionTrack: Sendable, Hashable {
    /// The region's name; separated sources carry it.
    public var label: String
    /// Presentation time in seconds of each value, increasing.
    public var times: [Double]
    /// Motion energy at each time (any non-negative scale).
    public var energy: [Float]
    /// The name shared by the regions taken for pieces of one player (the region finder's `pieceGroups`: a bow's
    /// line under its player's body, a hand over a bell), or nil for a region standing alone. With a count given,
    /// a piece goes before any player's last region (`MotionInformedNMF.competing`).
    public var player: String?

    public init(label: String, times: [Double], energy: [Float], player: String? = nil) {
        precondition(times.count == energy.count, "\(times.count) times for \(energy.count) values")
        self.label = label
        self.times = times
        self.energy = energy
        self.player = player
    }

    /// The energy at `time`, linearly interpolated, held constant beyond the ends (0 with no values).
    func value(at time: Double) -> Float {
        guard let first = times.first, let last = times.last else { return 0 }
        if time <= first { return energy[0] }
        if time >= last { return energy[energy.count - 1] }
        var low = 0, high = times.count - 1
        while high - low > 1 {
            let mid = (low + high) / 2
            if times[mid] <= time { low = mid } else { high = mid }
        }
        let span = times[high] - times[low]
        let w = span > 0 ? Float((time - times[low]) / span) : 0
        return energy[low] * (1 - w) + energy[high] * w
    }

    /// The energy resampled at `count` times `start + i · step`.
    func resampled(count: Int, start: Double = 0, step: Double) -> [Float] {
        (0..<count).map { value(at: start + Double($0) * step) }
    }
}
