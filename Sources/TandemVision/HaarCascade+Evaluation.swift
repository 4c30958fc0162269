extension HaarCascade {
    /// The cascade laid out for one integral-image row stride: flat arrays of stumps and of rectangle
    /// corner offsets relative to the window's top-left entry, so a window test is pure look-ups.
    /// Mirrors OpenCV's `OptFeature` / `Stump` tables; built once per scan, for the stride all its levels share.
    struct CompiledCascade {
        let windowWidth: Int
        let windowHeight: Int
        /// Four corner offsets per rectangle, three rectangles per feature (unused ones have weight 0).
        let offsets: [Int]
        let weights: [Float]
        let tilted: [Bool]
        /// Trees of all stages, flattened.
        let nodes: [Node]
        let leaves: [Float]
        /// Per tree: index of its first node and first leaf.
        let treeNodeStart: [Int]
        let treeLeafStart: [Int]
        let stageTreeEnd: [Int]
        let stageThresholds: [Float]
        let stumps: Bool
        /// Stump cascades only (the stock ones): per tree its feature's corners and weights, threshold and
        /// two leaves in one record, so a window test walks one array without bounds checks or a jump
        /// through the feature tables (the scan's own CPU time fell by a third on a 720p tuning clip).
        let stumpTable: [Stump]
        /// One stump: `feature < threshold ? left : right`, widened to Double as the stage sums are; the
        /// feature inline: four corner offsets per rectangle, three weights (the third 0 when unused).
        struct Stump {
            let corners: (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32)
            let weights: (Float, Float, Float)
            let tilted: Bool
            let threshold: Double
            let left: Double
            let right: Double
        }
        /// Corner offsets of the variance window: the training window less a 1-pixel border.
        let normOffsets: (Int, Int, Int, Int)
        let normArea: Double

        init(_ cascade: HaarCascade, stride: Int) {
            windowWidth = cascade.windowWidth
            windowHeight = cascade.windowHeight
            var offsets = [Int](repeating: 0, count: cascade.features.count * 12)
            var weights = [Float](repeating: 0, count: cascade.features.count * 3)
            for (f, feature) in cascade.features.enumerated() {
                for (r, rect) in feature.rects.enumerated() {
                    let base = f * 12 + r * 4
                    let (x, y, w, h) = (rect.x, rect.y, rect.width, rect.height)
                    if feature.tilted {
                        offsets[base] = y * stride + x
                        offsets[base + 1] = (y + h) * stride + x - h
                        offsets[base + 2] = (y + w) * stride + x + w
                        offsets[base + 3] = (y + w + h) * stride + x + w - h
                    } else {
                        offsets[base] = y * stride + x
                        offsets[base + 1] = y * stride + x + w
                        offsets[base + 2] = (y + h) * stride + x
                        offsets[base + 3] = (y + h) * stride + x + w
                    }
                    weights[f * 3 + r] = rect.weight
                }
            }
            self.offsets = offsets
            self.weights = weights
            tilted = cascade.features.map(\.tilted)
            var nodes: [Node] = [], leaves: [Float] = [], nodeStart: [Int] = [], leafStart: [Int] = [], stageEnd: [Int] = []
            for stage in cascade.stages {
                for tree in stage.trees {
                    nodeStart.append(nodes.count)
                    leafStart.append(leaves.count)
                    nodes += tree.nodes
                    leaves += tree.leaves
                }
                stageEnd.append(nodeStart.count)
            }
            self.nodes = nodes
            self.leaves = leaves
            treeNodeStart = nodeStart
            treeLeafStart = leafStart
            stageTreeEnd = stageEnd
            stageThresholds = cascade.stages.map(\.threshold)
            stumps = cascade.isStumpBased
            stumpTable = cascade.isStumpBased ? cascade.stages.flatMap { stage in
                stage.trees.map { tree in
                    let f = tree.nodes[0].featureIndex
                    let c = offsets[(f * 12)..<(f * 12 + 12)].map { Int32($0) }
                    return Stump(corners: (c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11]),
                                 weights: (weights[f * 3], weights[f * 3 + 1], weights[f * 3 + 2]), tilted: cascade.features[f].tilted,
                                 threshold: Double(tree.nodes[0].threshold), left: Double(tree.leaves[0]), right: Double(tree.leaves[1]))
                }
            } : []
            let (nx, ny, nw, nh) = (1, 1, cascade.windowWidth - 2, cascade.windowHeight - 2)
            normOffsets = (ny * stride + nx, ny * stride + nx + nw, (ny + nh) * stride + nx, (ny + nh) * stride + nx + nw)
            normArea = Double(nw * nh)
        }

        /// Runs the cascade on the window whose top-left integral entry is `(x, y)`.
        ///
        /// - Returns: 1 when every stage passes; `-k` when stage `k` rejects (so 0 means the first
        ///   stage rejected, which lets the scan skip the next position as OpenCV does); −1 also for a
        ///   window outside the image or too flat (standard deviation ≤ 10 grey levels) to hold a face.
        /// - Complexity: O(number of features evaluated); most windows stop in the first stages.
        func evaluate(_ integral: IntegralImages, x: Int, y: Int) -> Int {
            guard x >= 0, y >= 0, x + windowWidth < integral.width + 1, y + windowHeight < integral.height + 1 else { return -1 }
            let origin = y * integral.stride + x
            return integral.sums.withUnsafeBufferPointer { sums in
                integral.squares.withUnsafeBufferPointer { squares in
                    integral.tilted.withUnsafeBufferPointer { tiltedSums in
                        let n = normOffsets
                        let valueSum = sums[origin + n.0] - sums[origin + n.1] - sums[origin + n.2] + sums[origin + n.3]
                        let valueSquares = squares[origin + n.0] - squares[origin + n.1] - squares[origin + n.2] + squares[origin + n.3]
                        // area² × variance; its root rescales every feature so lighting and contrast cancel.
                        var norm = normArea * Double(valueSquares) - Double(valueSum) * Double(valueSum)
                        guard norm > 0 else { return -1 }
                        norm = norm.squareRoot()
                        let inverseNorm = Float(1 / norm)
                        guard normArea * Double(inverseNorm) < 0.1 else { return -1 }

                        @inline(__always) func feature(_ f: Int) -> Float {
                            let table = tilted[f] ? tiltedSums : sums
                            let o = f * 12
                            @inline(__always) func rect(_ r: Int) -> Float {
                                let b = o + r * 4
                                return Float(table[origin + offsets[b]] - table[origin + offsets[b + 1]]
                                    - table[origin + offsets[b + 2]] + table[origin + offsets[b + 3]])
                            }
                            var value = weights[f * 3] * rect(0) + weights[f * 3 + 1] * rect(1)
                            if weights[f * 3 + 2] != 0 { value += weights[f * 3 + 2] * rect(2) }
                            return value * inverseNorm
                        }

                        var tree = 0
                        if stumps {
                            return stumpTable.withUnsafeBufferPointer { table in
                                for stage in 0..<stageThresholds.count {
                                    var total = 0.0
                                    let end = stageTreeEnd[stage]
                                    while tree < end {
                                        // The same sums, products and order as `feature(_:)`, so the same bits.
                                        let stump = table.baseAddress! + tree
                                        let t = stump.pointee.tilted ? tiltedSums : sums
                                        let c = stump.pointee.corners, w = stump.pointee.weights
                                        let r0 = Float(t[origin + Int(c.0)] - t[origin + Int(c.1)] - t[origin + Int(c.2)] + t[origin + Int(c.3)])
                                        let r1 = Float(t[origin + Int(c.4)] - t[origin + Int(c.5)] - t[origin + Int(c.6)] + t[origin + Int(c.7)])
                                        var value = w.0 * r0 + w.1 * r1
                                        if w.2 != 0 {
                                            value += w.2 * Float(t[origin + Int(c.8)] - t[origin + Int(c.9)] - t[origin + Int(c.10)] + t[origin + Int(c.11)])
                                        }
                                        total += Double(value * inverseNorm) < stump.pointee.threshold ? stump.pointee.left : stump.pointee.right
                                        tree += 1
                                    }
                                    if total < Double(stageThresholds[stage]) { return -stage }
                                }
                                return 1
                            }
                        }
                        for stage in 0..<stageThresholds.count {
                            var total = 0.0
                            while tree < stageTreeEnd[stage] {
                                let nodeBase = treeNodeStart[tree], leafBase = treeLeafStart[tree]
                                if stumps {
                                    let node = nodes[nodeBase]
                                    total += Double(Double(feature(node.featureIndex)) < Double(node.threshold) ? leaves[leafBase] : leaves[leafBase + 1])
                                } else {
                                    var index = 0
                                    repeat {
                                        let node = nodes[nodeBase + index]
                                        index = Double(feature(node.featureIndex)) < Double(node.threshold) ? node.left : node.right
                                    } while index > 0
                                    total += Double(leaves[leafBase - index])
                                }
                                tree += 1
                            }
                            if total < Double(stageThresholds[stage]) { return -stage }
                        }
                        return 1
                    }
                }
            }
        }
    }
}
