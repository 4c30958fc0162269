extension MotionInformedNMF {
    /// Each region's motion curve with the curves of every piece of its player added (`Configuration.joinsPieces`):
    /// regions with the same `players` index (`playerIndices`: the player's busiest piece) take their sum, a region
    /// standing alone keeps its own curve.
    ///
    /// A player's pieces move for one player: a bow's line broken at its two ends (a bow sliding along its length moves
    /// only there), a hand over a bell beside a body. Summed, each piece shows every stroke the player makes, so where
    /// two players are left the placement reads the same evidence whichever piece of a player was kept.
    /// - Parameter players: per region, its player's index; missing or short: each region its own player.
    static func joinedPieces(_ curves: [[Float]], players: [Int]) -> [[Float]] {
        guard players.count == curves.count else { return curves }
        return curves.indices.map { r in
            let pieces = curves.indices.filter { players[$0] == players[r] }
            guard pieces.count > 1 else { return curves[r] }
            var sum = [Float](repeating: 0, count: curves[r].count)
            for q in pieces { for t in sum.indices where t < curves[q].count { sum[t] += curves[q][t] } }
            return sum
        }
    }
}
