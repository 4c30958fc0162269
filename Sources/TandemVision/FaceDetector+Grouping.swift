extension FaceDetector {
    /// OpenCV's `SimilarRects`: every edge within `eps × mean of the smaller sides` of the other's.
    static func similar(_ a: FaceBox, _ b: FaceBox, eps: Double) -> Bool {
        let delta = eps * Double(min(a.width, b.width) + min(a.height, b.height)) * 0.5
        return Double(abs(a.x - b.x)) <= delta && Double(abs(a.y - b.y)) <= delta
            && Double(abs(a.x + a.width - b.x - b.width)) <= delta
            && Double(abs(a.y + a.height - b.y - b.height)) <= delta
    }

    /// Splits boxes into classes of the transitive closure of `similar` (OpenCV's `cv::partition`,
    /// a union-find); classes are numbered in the order their first member appears.
    static func partition(_ boxes: [FaceBox], eps: Double) -> (labels: [Int], count: Int) {
        var parent = Array(boxes.indices)
        func root(_ i: Int) -> Int {
            var r = i
            while parent[r] != r { r = parent[r] }
            var j = i
            while parent[j] != r { let next = parent[j]; parent[j] = r; j = next }
            return r
        }
        for i in boxes.indices {
            for j in 0..<i where similar(boxes[i], boxes[j], eps: eps) {
                let a = root(i), b = root(j)
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        var classOfRoot: [Int: Int] = [:]
        var labels: [Int] = []
        for i in boxes.indices {
            let r = root(i)
            if classOfRoot[r] == nil { classOfRoot[r] = classOfRoot.count }
            labels.append(classOfRoot[r]!)
        }
        return (labels, classOfRoot.count)
    }

    /// OpenCV's `groupRectangles`: averages each class of similar boxes, keeps classes with more than
    /// `threshold` members, and drops a kept box lying inside a bigger kept box that has more members
    /// (or when it has fewer than 3 itself). `threshold ≤ 0` returns the boxes unchanged.
    public static func groupRectangles(_ boxes: [FaceBox], threshold: Int, eps: Double) -> [FaceBox] {
        guard threshold > 0, !boxes.isEmpty else { return boxes }
        let (labels, count) = partition(boxes, eps: eps)
        var sums = [(x: Int, y: Int, w: Int, h: Int)](repeating: (0, 0, 0, 0), count: count)
        var members = [Int](repeating: 0, count: count)
        for (box, label) in zip(boxes, labels) {
            sums[label].x += box.x; sums[label].y += box.y
            sums[label].w += box.width; sums[label].h += box.height
            members[label] += 1
        }
        // OpenCV scales by a float reciprocal and rounds (saturate_cast), half to even.
        let averaged = sums.enumerated().map { c, s -> FaceBox in
            let k = 1 / Float(members[c])
            func r(_ v: Int) -> Int { Int((Float(v) * k).rounded(.toNearestOrEven)) }
            return FaceBox(x: r(s.x), y: r(s.y), width: r(s.w), height: r(s.h))
        }
        var kept: [FaceBox] = []
        for i in 0..<count where members[i] > threshold {
            let r1 = averaged[i], n1 = members[i]
            let swallowed = (0..<count).contains { j in
                guard j != i, members[j] > threshold else { return false }
                let r2 = averaged[j], n2 = members[j]
                let dx = Int((Double(r2.width) * eps).rounded(.toNearestOrEven))
                let dy = Int((Double(r2.height) * eps).rounded(.toNearestOrEven))
                return r1.x >= r2.x - dx && r1.y >= r2.y - dy
                    && r1.x + r1.width <= r2.x + r2.width + dx && r1.y + r1.height <= r2.y + r2.height + dy
                    && (n2 > max(3, n1) || n1 < 3)
            }
            if !swallowed { kept.append(r1) }
        }
        return kept
    }
}
