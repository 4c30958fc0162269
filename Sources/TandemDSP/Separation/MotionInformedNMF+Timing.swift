import Foundation

extension MotionInformedNMF {
    /// Who started each note: a unit's activation (a free component, or one pitch of a harmonic source) cut into
    /// note-long stretches, each given to the region whose motion starts with it when that is clear.
    ///
    /// The models give a unit to one region for the whole clip, by its profile. Two instruments of one family with
    /// overlapping ranges (French horn and trombone) share profiles: a pitch both play, or a component that holds
    /// both timbres, goes whole to one player, and the other's notes at that pitch go with it. Their players never
    /// start a note together by chance for long: a player's hands move just after each of their own notes starts,
    /// and each of these instruments plays one note at a time. A stretch that starts while another region's motion
    /// starts and its owner's region is still is the other region's, whatever its profile.
    ///
    /// Each region's motion start at a frame is the strongest rise of its (lightly smoothed) motion in the window
    /// after it (`coincidenceEarliestSeconds` early to `coincidenceLatestSeconds` late), read as its rank among the
    /// clip's frames (0…1: the share of frames whose window rises less). A rank, not a level, so a bow or a body
    /// that moves all the time ranks no higher at a note than at any other moment. A stretch moves only when one
    /// open region ranks at least `clear` there while the owner's and every other region's rank at most `still`; when
    /// that region has no note of its own (a stretch of a unit it owns) starting near but apart from this one, whose
    /// start would explain its motion (tuning duet #6: a clarinet starting 0.13 s after a violin whose bow went on
    /// moving); and when the other model does not back the owner (`support`: it gives the owner at most `timingBacked`
    /// of the stretch's energy). Where both regions start together, where blur smears the starts, or where a player
    /// moves without playing, the stretch stays with the owner (the models' decision).
    ///
    /// Among at most `timingMostRegions` open regions: with more, one of them starts by chance after too many notes.
    ///
    /// The whole clip's timing must first be worth reading: over all stretches (energy-weighted) the owners'
    /// regions must start with their own stretches (mean rank at least `agreement`); otherwise nothing moves.
    struct NoteTiming: Sendable {
        /// One stretch given to another region.
        struct Move: Sendable, Equatable {
            /// The stretch's frames.
            var frames: Range<Int>
            /// The region it goes to.
            var region: Int
        }

        /// Per region, per frame: the rank (0…1) of the region's motion start in the window after that frame.
        let starts: [[Float]]
        /// Per region: whether it may take a stretch (a sounding region that is not a bystander).
        let open: [Bool]
        let clear: Float
        let still: Float
        let agreement: Float
        let backed: Float
        /// A region's own notes are its units' stretches of at least this share of the loudest stretch's energy.
        let notable: Float = 0.02
        /// Frames within which two stretches start together (one note split over units: `smoothingSeconds`).
        let together: Int
        /// The motion window's length after a start, frames.
        let window: Int
        let floor: Float
        /// The most open regions among which stretches are given (`timingMostRegions`).
        let most: Int
        let dip: Float
        let shortest: Int
        let reattack: Int

        /// - Parameters:
        ///   - motion: per region, its motion resampled to the frames.
        ///   - open: per region, whether it is a sounding player that may take a stretch.
        init(_ configuration: Configuration, motion: [[Float]], frames: Int, frameSeconds: Double, open: [Bool]) {
            let smooth = max(1, Int((configuration.smoothingSeconds / frameSeconds).rounded()))
            let earliest = Int((configuration.coincidenceEarliestSeconds / frameSeconds).rounded())
            let latest = Int((configuration.coincidenceLatestSeconds / frameSeconds).rounded())
            starts = motion.map { curve in
                let rises = MotionInformedNMF.rises(MotionInformedNMF.movingAverage(curve, smooth))
                return Self.ranks(Self.windowMaximum(rises, from: -earliest, to: latest))
            }
            self.open = open
            clear = configuration.timingClear
            still = configuration.timingStill
            agreement = configuration.timingAgreement
            backed = configuration.timingBacked
            floor = configuration.timingFloor
            most = configuration.timingMostRegions
            dip = 0.5
            together = smooth
            window = latest + earliest
            shortest = max(1, Int((configuration.timingShortestSeconds / frameSeconds).rounded()))
            reattack = max(1, Int((configuration.activitySeconds / 2 / frameSeconds).rounded()))
        }

        /// Per unit, the stretches that go to another region than `owners[u]` (nil: the unit is not read, as a
        /// unit on a closed region). Empty for every unit when the clip's timing does not agree with its owners.
        /// - Parameter support: for a unit, a stretch and its owner, the share (0…1) of the stretch's energy that the other
        ///   model gives the owner: a stretch it backs (above `backed`) stays.
        func moves(_ activations: [[Float]], owners: [Int?], support: (Int, Range<Int>, Int) -> Float) -> [[Move]] {
            let none = activations.map { _ in [Move]() }
            guard (2...max(2, most)).contains(open.filter({ $0 }).count) else { return none }
            let peak = activations.indices.compactMap { owners[$0] == nil ? nil : activations[$0].max() }.max() ?? 0
            guard peak > 0 else { return none }
            var agreed = 0.0, weight = 0.0
            var found = none
            // Every unit's stretches first: each region's own note starts explain its motion starts.
            var notes: [(unit: Int, owner: Int, stretch: Range<Int>, energy: Double)] = []
            for u in activations.indices {
                guard let owner = owners[u], open[owner] else { continue }
                let a = activations[u]
                for stretch in Self.stretches(a, floor: max(floor * (a.max() ?? 0), 0.01 * peak), dip: dip, reattack: reattack)
                where stretch.count >= shortest {
                    notes.append((u, owner, stretch, Double(a[stretch].reduce(0, +))))
                }
            }
            let loudest = notes.map(\.energy).max() ?? 0
            var own = [[Int]](repeating: [], count: open.count)
            for note in notes where note.energy >= Double(notable) * loudest { own[note.owner].append(note.stretch.lowerBound) }
            for (u, owner, stretch, energy) in notes {
                let t = stretch.lowerBound
                agreed += energy * Double(starts[owner][t])
                weight += energy
                let ranked = starts.indices.filter { open[$0] && $0 != owner }.sorted { starts[$0][t] > starts[$1][t] }
                guard let best = ranked.first, starts[best][t] >= clear, starts[owner][t] <= still,
                      ranked.dropFirst().allSatisfy({ starts[$0][t] <= still }) else { continue }
                // The region's motion start is its own note's when one of its own notes starts near but apart from this one.
                let explained = own[best].contains { abs($0 - t) > together && abs($0 - t) <= window }
                let backing = support(u, stretch, owner)
                guard !explained, backing <= backed else { continue }
                found[u].append(Move(frames: stretch, region: best))
            }
            guard weight > 0, Float(agreed / weight) >= agreement else { return none }
            return found
        }

        /// Note-long stretches of an activation: runs above `floor`, each cut where it dips under `dip` times the
        /// peak before and rises again to that peak over `dip` within `reattack` frames (a note played again).
        static func stretches(_ activation: [Float], floor: Float, dip: Float, reattack: Int) -> [Range<Int>] {
            var out: [Range<Int>] = []
            var start: Int?
            var peak: Float = 0
            for t in 0...activation.count {
                let v = t < activation.count ? activation[t] : 0
                guard v > floor else {
                    if let s = start { out.append(s..<t) }
                    (start, peak) = (nil, 0)
                    continue
                }
                guard let s = start else { (start, peak) = (t, v); continue }
                if t > s, v < dip * peak, v <= activation[t - 1], t + 1 < activation.count, v < activation[t + 1] {
                    let ahead = activation[(t + 1)..<min(activation.count, t + 1 + reattack)].max() ?? 0
                    if ahead * dip > v {
                        out.append(s..<t)
                        (start, peak) = (t, v)
                        continue
                    }
                }
                peak = max(peak, v)
            }
            return out
        }

        /// `out[t]` = the largest `x[t + from ... t + to]` within the curve.
        static func windowMaximum(_ x: [Float], from: Int, to: Int) -> [Float] {
            x.indices.map { t in
                let lower = max(0, t + from), upper = min(x.count - 1, t + to)
                return lower <= upper ? x[lower...upper].max() ?? 0 : 0
            }
        }

        /// Each value's rank among all: the share of values strictly below it (0 for the smallest, and for every value
        /// of a flat curve).
        static func ranks(_ x: [Float]) -> [Float] {
            let sorted = x.sorted(), n = Float(max(x.count, 1))
            return x.map { v in
                var (lo, hi) = (0, sorted.count)
                while lo < hi { let mid = (lo + hi) / 2; if sorted[mid] < v { lo = mid + 1 } else { hi = mid } }
                return Float(lo) / n
            }
        }
    }

    /// The share (0…1) of a unit's model over `frames` that `mask` holds: Σ H_u(t) W_u(f) mask(t, f) / Σ H_u(t) W_u(f).
    static func support(_ factors: NMF.Factors, unit u: Int, frames: Range<Int>, mask: [Float]) -> Float {
        let (k, bins) = (factors.components, factors.bins)
        var held = 0.0, total = 0.0
        factors.templates.withUnsafeBufferPointer { w in
            mask.withUnsafeBufferPointer { m in
                for t in frames {
                    let h = Double(factors.activations[t * k + u])
                    guard h > 0 else { continue }
                    var row = 0.0, sum = 0.0
                    for f in 0..<bins { let v = Double(w[u * bins + f]); row += v * Double(m[t * bins + f]); sum += v }
                    held += h * row
                    total += h * sum
                }
            }
        }
        return total > 0 ? Float(held / total) : 0
    }

    /// `factors` with each moved stretch taken out of its unit and put in a unit of its own (the same template),
    /// one added unit per (unit, region) pair; per region, the units added for it.
    static func timed(_ factors: NMF.Factors, moves: [[NoteTiming.Move]], regions: Int) -> (factors: NMF.Factors, added: [[Int]]) {
        var pairs: [(unit: Int, region: Int, frames: [Range<Int>])] = []
        for u in moves.indices {
            for region in Set(moves[u].map(\.region)).sorted() {
                pairs.append((u, region, moves[u].filter { $0.region == region }.map(\.frames)))
            }
        }
        var added = [[Int]](repeating: [], count: regions)
        guard !pairs.isEmpty else { return (factors, added) }
        let (k, frames, bins) = (factors.components, factors.frames, factors.bins)
        let width = k + pairs.count
        var activations = [Float](repeating: 0, count: frames * width)
        for t in 0..<frames {
            for c in 0..<k { activations[t * width + c] = factors.activations[t * k + c] }
        }
        var templates = factors.templates
        for (j, pair) in pairs.enumerated() {
            let c = k + j
            added[pair.region].append(c)
            templates += factors.templates[(pair.unit * bins)..<((pair.unit + 1) * bins)]
            for range in pair.frames {
                for t in range {
                    activations[t * width + c] = activations[t * width + pair.unit]
                    activations[t * width + pair.unit] = 0
                }
            }
        }
        return (NMF.Factors(frames: frames, bins: bins, components: width, activations: activations, templates: templates), added)
    }
}
