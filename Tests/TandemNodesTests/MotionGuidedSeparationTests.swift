import Foundation
import Testing
import TandemCore
import TandemVision
@testable import TandemDSP
@testable import TandemNodes

/// The motion map's step budget: full-rate curves survive it, and a video within it writes nothing.
@Suite struct MotionGuidedSeparationTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-mgs-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func separation(steps: Int?, in folder: URL) -> MotionGuidedSeparation {
        var configuration = MotionGuidedSeparation.Configuration()
        configuration.motionSteps = steps
        var separation = MotionGuidedSeparation(configuration: configuration)
        separation.temporaryDirectory = folder
        return separation
    }

    /// With a budget of 8 steps over 50 frames the map averages its steps, yet each region's curve is the
    /// full-rate one (the rows were spilled just before the first averaging), equal to an unbounded map's.
    @Test func curvesStayFullRateOverTheBudget() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let frames = Array(TwoPlayers.frames().prefix(50))
        var bounded = Self.separation(steps: 8, in: folder), unbounded = Self.separation(steps: nil, in: folder)
        for frame in frames {
            try bounded.append(frame)
            try unbounded.append(frame)
        }
        for region in [MotionRegion(x: 0, y: 0, width: 48, height: 48), MotionRegion(x: 48, y: 8, width: 40, height: 32)] {
            let full = try unbounded.track(for: region), spilled = try bounded.track(for: region)
            #expect(spilled.times == full.times)
            #expect(spilled.energy == full.energy)
            #expect(full.energy.count == frames.count)
            #expect(full.energy.contains { $0 > 0 })
        }
        // The spilled rows have no name on disk (`FloatSpill`): nothing is left for a killed run to leave behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        bounded.removeTemporaryFiles()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    /// A video within the budget keeps its rows in the map: no spill file is made.
    @Test func aVideoWithinTheBudgetWritesNothing() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var separation = Self.separation(steps: 64, in: folder)
        for frame in TwoPlayers.frames().prefix(40) { try separation.append(frame) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        let curve = try separation.track(for: MotionRegion(x: 0, y: 0, width: 48, height: 48))
        #expect(curve.energy.count == 40)
    }

    /// Pieces of one player counted once: the merged pieces' sound is added to the kept one and they go silent,
    /// so the outputs still sum to what the separator gave.
    @Test func piecesAreSummedIntoTheKeptPiece() {
        let stretch = MotionInformedNMF.SeparatedStretch(firstSample: 0, sources: [[[1, 2]], [[10, 20]], [[100, 200]]])
        let merged = MotionGuidedSeparation.merging(stretch, pieces: [(keep: 2, merged: [0])])
        #expect(merged.sources == [[[0, 0]], [[10, 20]], [[101, 202]]])
        #expect(MotionGuidedSeparation.merging(stretch, pieces: []).sources == stretch.sources)
    }

    /// The result agrees with the summed signals: the kept piece sounds with the group's masks and best
    /// confidence, the others are silent, a note names the group; a group with no sound is left alone.
    @Test func countedPiecesAreListedSilentWithANote() {
        func source(_ label: String, _ mask: Float, _ confidence: Float, silent: Bool) -> SeparationResult.Source {
            .init(label: label, channels: [[]], confidence: confidence, components: [], mask: [mask, mask], silent: silent)
        }
        var result = SeparationResult(mode: .motion, note: "", sources: [source("motion0", 0.2, 0.3, silent: false),
                                                                          source("motion1", 0.5, 0, silent: true),
                                                                          source("motion2", 0.3, 0.6, silent: false),
                                                                          source("motion3", 0, 0, silent: true),
                                                                          source("motion4", 0, 0, silent: true)],
                                      sampleRate: 8000, fftSize: 4, hop: 1, frames: 1, bins: 2)
        // motion1 (left silent by the attribution) is the busiest piece of the player motion0 and motion2 belong to.
        let notes = MotionGuidedSeparation.counting(&result, pieces: [(keep: 1, merged: [0, 2]), (keep: 3, merged: [4])])
        #expect(result.sources.map(\.silent) == [true, false, true, true, true])
        #expect(result.sources[1].mask == [1, 1])
        #expect(result.sources[1].confidence == 0.6)
        #expect(result.sources[0].mask == [0, 0] && result.sources[0].confidence == 0)
        #expect(notes.count == 1 && notes[0].contains("motion0, motion1, motion2") && notes[0].contains("sound is in motion1"), "\(notes)")
    }

    /// A player's box and a strip on the frame's bottom edge under it are one player, and the box is kept though the
    /// strip moved more; without the frame's height the strip (thin, but 23 cells under the box) stands alone.
    @Test func aPlayersBoxIsKeptBeforeAStripOnTheEdge() {
        let box = MotionRegion(x: 215, y: 40, width: 45, height: 20, label: "motion0")
        let strip = MotionRegion(x: 185, y: 175, width: 35, height: 5, label: "motion1")
        let other = MotionRegion(x: 380, y: 75, width: 50, height: 40, label: "motion2")
        // The strip moves every frame; the box and the other player at their own notes.
        let times = (0..<250).map { Double($0) / 25 }
        let curves: [String: (times: [Double], energy: [Float])] = [
            "motion0": (times, (0..<250).map { $0 % 5 == 0 ? 0.05 : 0.001 }),
            "motion1": (times, (0..<250).map { 0.02 + Float($0 % 3) * 0.001 }),
            "motion2": (times, (0..<250).map { $0 % 7 == 1 ? 0.05 : 0.001 })]
        let pieces = MotionGuidedSeparation.pieces(of: [box, strip, other], curves: curves, finder: MotionRegionFinder(), cellSize: 5,
                                                   frameHeight: 180, sources: nil, found: true)
        #expect(pieces.count == 1 && pieces[0].keep == 0 && pieces[0].merged == [1], "\(pieces)")
        #expect(MotionGuidedSeparation.pieces(of: [box, strip, other], curves: curves, finder: MotionRegionFinder(), cellSize: 5,
                                              sources: nil, found: true).isEmpty)
    }

    /// Small regions ask for a larger picture: the factor brings their median longer side to the target, capped; a
    /// median at or above `smallCells`, or no region at all, asks for nothing.
    @Test func smallRegionsAskForALargerPicture() {
        let rescaling = MotionGuidedSeparation.Rescaling()
        #expect(MotionGuidedSeparation.finerScale(longerSides: [8, 7.5, 6], rescaling: rescaling) == 12 / 7.5)
        #expect(MotionGuidedSeparation.finerScale(longerSides: [3, 5, 20, 30], rescaling: rescaling) == nil)
        #expect(MotionGuidedSeparation.finerScale(longerSides: [3, 5, 6, 30], rescaling: rescaling) == 2)
        #expect(MotionGuidedSeparation.finerScale(longerSides: [8, 12, 5], rescaling: rescaling) == nil)
        #expect(MotionGuidedSeparation.finerScale(longerSides: [], rescaling: rescaling) == nil)
    }

    /// The two players' 24-pixel squares are 6 cells of 4 pixels: twice the picture is asked for when rescaling is
    /// on, nothing when it is off or the regions are the user's.
    @Test func aSeparationAsksForALargerPictureOnlyWhenOn() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var on = Self.separation(steps: nil, in: folder)
        on.configuration.rescaling = MotionGuidedSeparation.Rescaling()
        var off = Self.separation(steps: nil, in: folder)
        var given = on
        given.configuration.regions = [MotionRegion(x: 0, y: 0, width: 48, height: 48)]
        for frame in TwoPlayers.frames() {
            try on.append(frame)
            try off.append(frame)
            try given.append(frame)
        }
        #expect(on.finerScale() == 2)
        #expect(off.finerScale() == nil)
        #expect(given.finerScale() == nil)
    }
}
