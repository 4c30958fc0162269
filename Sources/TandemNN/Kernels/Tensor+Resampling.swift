/// Pooling and interpolation over the spatial axes of [N, C, H, W] (or [N, C, L]) tensors.
extension Tensor {
    /// The kind of 2-D pooling.
    public enum Pooling: Sendable { case max, average }

    /// 2-D max or average pooling (PyTorch `max_pool2d` / `avg_pool2d` with count_include_pad).
    public func pool2d(_ kind: Pooling, kernel: [Int], stride: [Int]? = nil, padding: [Int] = [0]) -> Tensor {
        precondition(rank == 4, "pool2d expects [N, C, H, W], got \(shape)")
        func pair(_ v: [Int]) -> [Int] { v.count == 2 ? v : [v[0], v[0]] }
        let k = pair(kernel), s = pair(stride ?? kernel), p = pair(padding)
        let planes = shape[0] * shape[1], height = shape[2], width = shape[3]
        let outH = (height + 2 * p[0] - k[0]) / s[0] + 1, outW = (width + 2 * p[1] - k[1]) / s[1] + 1
        return withUnsafeBufferPointer { x in
            Tensor(shape: [shape[0], shape[1], outH, outW]) { out in
                ComputeThreads.parallelFor(planes) { range in
                    for plane in range {
                        let source = x.baseAddress! + plane * height * width
                        for oy in 0..<outH {
                            for ox in 0..<outW {
                                var best = -Float.infinity, sum: Float = 0
                                for ky in 0..<k[0] {
                                    let iy = oy * s[0] - p[0] + ky
                                    guard iy >= 0 && iy < height else { continue }
                                    for kx in 0..<k[1] {
                                        let ix = ox * s[1] - p[1] + kx
                                        guard ix >= 0 && ix < width else { continue }
                                        let v = source[iy * width + ix]
                                        best = max(best, v)
                                        sum += v
                                    }
                                }
                                out[(plane * outH + oy) * outW + ox] = kind == .max ? best : sum / Float(k[0] * k[1])
                            }
                        }
                    }
                }
            }
        }
    }

    /// The interpolation modes of PyTorch's `F.interpolate` that Tandem's models use.
    public enum Interpolation: Sendable, Hashable {
        /// PyTorch `nearest`: source index `min(floor(dst · in/out), in − 1)` (not `nearest-exact`).
        case nearest
        /// (Bi)linear; with `alignCorners` the corner pixels of input and output coincide.
        case linear(alignCorners: Bool)
    }

    /// Resizes the spatial axes of [N, C, L] or [N, C, H, W] to `size`.
    public func interpolated(size: [Int], mode: Interpolation) -> Tensor {
        precondition(rank == 3 || rank == 4, "interpolate expects [N, C, L] or [N, C, H, W], got \(shape)")
        precondition(size.count == rank - 2, "size \(size) for shape \(shape)")
        let inH = rank == 4 ? shape[2] : 1, inW = shape[rank - 1]
        let outH = rank == 4 ? size[0] : 1, outW = size[size.count - 1]
        let planes = shape[0] * shape[1]
        let ys = Tensor.sourceTaps(input: inH, output: outH, mode: mode)
        let xs = Tensor.sourceTaps(input: inW, output: outW, mode: mode)
        return withUnsafeBufferPointer { x in
            Tensor(shape: Array(shape[0..<2]) + size) { out in
                for plane in 0..<planes {
                    let source = x.baseAddress! + plane * inH * inW
                    for oy in 0..<outH {
                        let y = ys[oy]
                        for ox in 0..<outW {
                            let t = xs[ox]
                            let top = source[y.low * inW + t.low] * (1 - t.weight) + source[y.low * inW + t.high] * t.weight
                            let bottom = source[y.high * inW + t.low] * (1 - t.weight) + source[y.high * inW + t.high] * t.weight
                            out[(plane * outH + oy) * outW + ox] = top * (1 - y.weight) + bottom * y.weight
                        }
                    }
                }
            }
        }
    }

    /// For each output index: the two source indices and the weight of the second, as PyTorch computes them.
    static func sourceTaps(input: Int, output: Int, mode: Interpolation) -> [(low: Int, high: Int, weight: Float)] {
        (0..<output).map { dst in
            switch mode {
            case .nearest:
                let scale = Float(input) / Float(output)
                let index = min(Int((Float(dst) * scale).rounded(.down)), input - 1)
                return (index, index, 0)
            case .linear(let alignCorners):
                var source: Float
                if alignCorners {
                    source = output > 1 ? Float(dst) * Float(input - 1) / Float(output - 1) : 0
                } else {
                    source = max((Float(dst) + 0.5) * Float(input) / Float(output) - 0.5, 0)
                }
                let low = min(Int(source), input - 1)
                let high = min(low + 1, input - 1)
                return (low, high, source - Float(low))
            }
        }
    }
}
