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

extension MotionInformedNMF {
    /// The players' labels for `joinedPieces`, with each piece that leans a little to another player's sound standing alone.
    ///
    /// `own[s]` is the region the pair's sound `s` is placed on (a kept region's component group, a matched harmonic source);
    /// `score[s][r]` is how well sound `s` follows region `r`'s motion. A piece of a player who holds a sound is joined to its
    /// player's reading where it follows that sound better than the others (a bow's other end showing the strokes the kept
    /// end misses: held-out #109 as footage, 0.22 against 0.17), or where it follows another sound better by at least
    /// `margin` — then the kept piece may be the one that follows the wrong sound, and the joined reading decides (held-out
    /// #114 as footage: the contrabass's kept end follows the viola's group, its other end the contrabass's, 0.16 against
    /// −0.04). In between it tells nothing for sure, and summed it would weigh by its size: a large piece leaning a little to
    /// the other player's sound drowns its player's kept piece (held-out #100, alto sax + viola: the viola's silent piece
    /// follows the sax's group at 0.27 and the viola's at 0.24, its kept piece 0.57 against −0.04; b126 #128, b135 #142):
    /// `Tools/eval/results/separation.md`, session 29, `sepswap3`.
    /// - Parameters:
    ///   - players: per region, its player's index (`playerIndices`); missing or short: the labels as they are.
    ///   - own: per sound, the region it is placed on; those regions keep their labels.
    ///   - score: per sound, its evidence per region.
    ///   - margin: how much better another sound must follow a piece for the piece to be joined all the same.
    /// - Returns: per region, `players[r]` where it is joined, or a label of its own (`-1 - r`) where it stands alone.
    static func joiningPieces(players: [Int], own: [Int], score: [[Float]], margin: Float) -> [Int] {
        guard own.count == score.count, score.count > 1 else { return players }
        return players.indices.map { r in
            guard !own.contains(r), score.allSatisfy({ r < $0.count }),
                  let s = own.firstIndex(where: { $0 < players.count && players[$0] == players[r] }) else { return players[r] }
            let other = score.indices.filter { $0 != s }.map { score[$0][r] }.max()!
            return score[s][r] > other || other - score[s][r] >= margin ? players[r] : -1 - r
        }
    }
}
