import Foundation
import Testing
import TandemCore
@testable import TandemVision

/// A bow's turns: the energy of a region moving at an even speed is the same whichever way it goes, its flow is not.
@Suite struct MotionTurnTests {
    /// The square's x at frame `t`: 2 pixels a frame, going back at frames 10, 17 and 30.
    static func bow(_ t: Int) -> Int {
        var x = 30
        for s in 1...max(1, t) where t > 0 { x += s < 10 || (s >= 17 && s < 30) ? 2 : -2 }
        return x
    }

    static let turnFrames = [10, 17, 30]

    @Test func aSquareGoingBackTurnsWhereItsEnergyDoesNot() throws {
        var map = MotionMap(cellSize: 4)
        for t in 0..<40 { try map.append(MotionMapTests.scene(player: (Self.bow(t), 20)), time: Double(t) / 25) }
        let region = MotionRegion(x: 0, y: 16, width: 96, height: 24)
        let turns = map.turns(for: region), energy = map.series(for: region)
        try #require(turns.count == 40)
        let least = Self.turnFrames.map { turns[$0] }.min()!
        #expect(least > 0, "\(turns)")
        for t in 2..<40 where !Self.turnFrames.contains(t) {
            #expect(turns[t] < 0.2 * least, "frame \(t): \(turns[t]) against \(least) at the turns")
        }
        // The energy does not show the turns: at each, it is within a quarter of the frame before.
        for t in Self.turnFrames { #expect(abs(energy[t] - energy[t - 1]) < 0.25 * energy[t - 1], "frame \(t): \(energy[t - 1]) → \(energy[t])") }
    }

    /// The turns of `aSquareGoingBackTurnsWhereItsEnergyDoesNot`'s square, the least of the three.
    static func bowTurn() throws -> Float {
        var map = MotionMap(cellSize: 4)
        for t in 0..<40 { try map.append(MotionMapTests.scene(player: (Self.bow(t), 20)), time: Double(t) / 25) }
        let turns = map.turns(for: MotionRegion(x: 0, y: 16, width: 96, height: 24))
        return Self.turnFrames.map { turns[$0] }.min()!
    }

    /// A camera panning one way and back over a still square: the map undoes the pan, so nothing turns; a square that
    /// starts and stops (a bow at the end of its travel, or after a rest) does not turn either.
    @Test func aPanGoingBackAndAStartAreNoTurns() throws {
        let bow = try Self.bowTurn()
        var pan = MotionMap(cellSize: 4)
        for t in 0..<20 { try pan.append(MotionMapTests.scene(dx: t < 10 ? t : 20 - t, player: (30, 20)), time: Double(t) / 25) }
        let panned = pan.turns(for: MotionRegion(x: 0, y: 0, width: 96, height: 64))
        #expect(panned.allSatisfy { $0 < 0.1 * bow }, "\(panned) against \(bow)")
        var start = MotionMap(cellSize: 4)
        for t in 0..<20 { try start.append(MotionMapTests.scene(player: (30 + 2 * max(0, min(t, 14) - 5), 20)), time: Double(t) / 25) }
        let region = MotionRegion(x: 0, y: 16, width: 96, height: 24)
        #expect(start.series(for: region)[8] > 0.001)
        #expect(start.turns(for: region).allSatisfy { $0 < 0.1 * bow }, "\(start.turns(for: region)) against \(bow)")
    }

    /// The turns need every frame: once the map averages steps it drops them, and plain differences have none.
    @Test func noTurnsOnceTheMapAveragesSteps() throws {
        var map = MotionMap(cellSize: 4)
        map.stepBudget = 8
        var plain = MotionMap(cellSize: 4, compensatesGlobalMotion: false)
        for t in 0..<12 {
            try map.append(MotionMapTests.scene(player: (Self.bow(t), 20)), time: Double(t))
            try plain.append(MotionMapTests.scene(player: (Self.bow(t), 20)), time: Double(t))
        }
        #expect(map.framesPerStep > 1 && map.flows.isEmpty)
        #expect(map.turns(for: MotionRegion(x: 0, y: 0, width: 96, height: 64)).isEmpty)
        #expect(plain.turns(for: MotionRegion(x: 0, y: 0, width: 96, height: 64)).isEmpty)
    }
}
