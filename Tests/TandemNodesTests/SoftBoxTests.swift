import Foundation
import Testing
import TandemCore
import TandemDSP
import TandemVision
@testable import TandemNodes

/// A region's motion read over its softened box (`MotionGuidedSeparation.softTrack`) hangs less on the
/// exact box than its box's own curve.
@Suite struct SoftBoxTests {
    /// 96×48 frames: a player's square (x, y 12..<36) lights on the left onsets; a one-cell ring around it
    /// (a neighbour's glow reaching in) lights on the right onsets.
    static func frames() -> [VideoFrame] {
        (0..<Int(TwoPlayers.seconds * Double(TwoPlayers.fps))).map { index in
            let t = Double(index) / Double(TwoPlayers.fps)
            var pixels = [UInt8](repeating: 30, count: 96 * 48)
            if TwoPlayers.playing(TwoPlayers.left, at: t) {
                for y in 12..<36 { for x in 12..<36 { pixels[y * 96 + x] = 230 } }
            }
            if TwoPlayers.playing(TwoPlayers.right, at: t) {
                for y in 8..<40 { for x in 8..<40 where !(12..<36).contains(x) || !(12..<36).contains(y) { pixels[y * 96 + x] = 200 } }
            }
            return VideoFrame(layout: .gray8, width: 96, height: 48, stride: 96, bytes: SharedArray(pixels), pts: Int64(index),
                              timeBase: Rational(1, Int64(TwoPlayers.fps)), frameIndex: index, seconds: t)
        }
    }

    static func correlation(_ a: [Float], _ b: [Float]) -> Double {
        let n = Double(a.count), ma = a.reduce(0.0) { $0 + Double($1) } / n, mb = b.reduce(0.0) { $0 + Double($1) } / n
        var cov = 0.0, va = 0.0, vb = 0.0
        for i in a.indices { let x = Double(a[i]) - ma, y = Double(b[i]) - mb; cov += x * y; va += x * x; vb += y * y }
        return va > 0 && vb > 0 ? cov / (va * vb).squareRoot() : 0
    }

    /// The box's curve follows the player; the box a cell larger takes in the ring and follows both. Their
    /// softened curves share two of their three boxes, so they agree far more than the plain ones.
    @Test func aCellMoreOrLessMovesTheSoftenedCurveLess() throws {
        var separation = MotionGuidedSeparation(configuration: .init())
        for frame in Self.frames() { try separation.append(frame) }
        let box = MotionRegion(x: 12, y: 12, width: 24, height: 24), grown = MotionRegion(x: 8, y: 8, width: 32, height: 32)
        let plain = (try separation.track(for: box).energy, try separation.track(for: grown).energy)
        let soft = (try separation.softTrack(for: box).energy, try separation.softTrack(for: grown).energy)
        let plainAgreement = Self.correlation(plain.0, plain.1), softAgreement = Self.correlation(soft.0, soft.1)
        #expect(plain.0.contains { $0 > 0 } && plain.1.contains { $0 > 0 })
        #expect(softAgreement > plainAgreement + 0.1, "softened \(softAgreement), plain \(plainAgreement)")
    }
}
