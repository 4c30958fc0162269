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
    /// How much the region's motion turns over at each time (`MotionMap.turns(for:)`: a bow going back), or empty when
    /// not measured. Read beside the energy's peaks as moments a note may start (`MotionInformedNMF.OnsetCoincidence`).
    public var turns: [Float]

    public init(label: String, times: [Double], energy: [Float], player: String? = nil, turns: [Float] = []) {
        precondition(times.count == energy.count, "\(times.count) times for \(energy.count) values")
        precondition(turns.isEmpty || turns.count == times.count, "\(times.count) times for \(turns.count) turns")
        self.label = label
        self.times = times
        self.energy = energy
        self.player = player
        self.turns = turns
    }

    /// The energy at `time`, linearly interpolated, held constant beyond the ends (0 with no values).
    func value(at time: Double) -> Float { value(of: energy, at: time) }

    /// `curve` (one value per time) at `time`, linearly interpolated, held constant beyond the ends (0 with no values).
    private func value(of curve: [Float], at time: Double) -> Float {
        guard let first = times.first, let last = times.last, !curve.isEmpty else { return 0 }
        if time <= first { return curve[0] }
        if time >= last { return curve[curve.count - 1] }
        var low = 0, high = times.count - 1
        while high - low > 1 {
            let mid = (low + high) / 2
            if times[mid] <= time { low = mid } else { high = mid }
        }
        let span = times[high] - times[low]
        let w = span > 0 ? Float((time - times[low]) / span) : 0
        return curve[low] * (1 - w) + curve[high] * w
    }

    /// The energy resampled at `count` times `start + i · step`.
    func resampled(count: Int, start: Double = 0, step: Double) -> [Float] {
        (0..<count).map { value(at: start + Double($0) * step) }
    }

    /// The turns resampled at `count` times `start + i · step` (empty when the track has none).
    func resampledTurns(count: Int, start: Double = 0, step: Double) -> [Float] {
        turns.isEmpty ? [] : (0..<count).map { value(of: turns, at: start + Double($0) * step) }
    }
}
