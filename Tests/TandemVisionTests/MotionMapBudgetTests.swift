import Testing
@testable import TandemVision

/// A motion map with a step budget stays within it by averaging neighbouring frames, and hands every
/// frame's full-rate row back for callers that keep it elsewhere.
struct MotionMapBudgetTests {
    @Test func aBudgetBoundsTheStepsAndAveragesFrames() throws {
        var full = MotionMap(cellSize: 8)
        var bounded = MotionMap(cellSize: 8)
        bounded.stepBudget = 8
        var rows: [Float] = []
        // A player moving about for 40 frames.
        for t in 0..<40 {
            let image = MotionMapTests.scene(player: (x: 10 + (t * 7) % 50, y: 10 + (t * 3) % 30))
            try full.append(image, time: Double(t) / 25)
            rows += try bounded.append(image, time: Double(t) / 25)
        }
        #expect(full.frameCount == 40 && full.framesPerStep == 1)
        #expect(bounded.frameCount <= 8 && bounded.framesAppended == 40)
        #expect(bounded.framesPerStep == 8 && bounded.frameCount == 5)
        // The rows handed back are the full map's, and each kept step is the mean of its frames.
        #expect(rows == full.energies)
        let region = MotionRegion(x: 0, y: 0, width: 96, height: 64)
        let fine = full.series(for: region), coarse = bounded.series(for: region)
        #expect(full.series(for: region, rows: rows) == fine)
        for (k, value) in coarse.enumerated() {
            let mean = fine[(k * 8)..<((k + 1) * 8)].reduce(0, +) / 8
            #expect(abs(value - mean) <= 1e-5 * max(1, abs(mean)), "step \(k): \(value) against \(mean)")
            let time = (0..<8).map { Double(k * 8 + $0) / 25 }.reduce(0, +) / 8
            #expect(abs(bounded.times[k] - time) < 1e-9)
        }
    }

    /// Halving works in place: each kept step is exactly the mean of its pair, and the storage reserved for the
    /// budget at the first frame is never reallocated (no second copy of the map, no growth past the budget).
    @Test func halvingKeepsTheStorageAndAveragesPairsExactly() throws {
        var full = MotionMap(cellSize: 8)
        var bounded = MotionMap(cellSize: 8)
        bounded.stepBudget = 8
        var capacities: Set<Int> = []
        for t in 0..<40 {
            let image = MotionMapTests.scene(player: (x: 10 + (t * 5) % 50, y: 10 + (t * 2) % 30))
            try full.append(image, time: Double(t) / 25)
            try bounded.append(image, time: Double(t) / 25)
            capacities.insert(bounded.energies.capacity)
            guard t == 7 else { continue }
            // The budget of 8 reached once: 4 steps, each its two frames' mean.
            let cells = full.cellCount
            #expect(bounded.frameCount == 4 && bounded.framesPerStep == 2)
            for k in 0..<4 {
                for c in 0..<cells {
                    #expect(bounded.energies[k * cells + c] == (full.energies[2 * k * cells + c] + full.energies[(2 * k + 1) * cells + c]) / 2)
                }
                #expect(bounded.times[k] == (full.times[2 * k] + full.times[2 * k + 1]) / 2)
            }
        }
        #expect(capacities.count == 1 && capacities.first! >= 8 * full.cellCount)
    }
}
