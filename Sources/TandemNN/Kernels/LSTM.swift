import TandemBLAS
import Foundation

/// The hidden and cell state of a one-layer LSTM, carried from one call to the next by streaming models.
public struct LSTMState: Sendable, Equatable {
    /// h, `hiddenSize` values.
    public var hidden: [Float]
    /// c, `hiddenSize` values.
    public var cell: [Float]

    /// The zero state a sequence starts from.
    public init(hiddenSize: Int) {
        hidden = [Float](repeating: 0, count: hiddenSize)
        cell = [Float](repeating: 0, count: hiddenSize)
    }

    public var hiddenSize: Int { hidden.count }
}

/// A one-layer, one-direction LSTM over a sequence, gates in PyTorch's order (input, forget, cell, output).
///
/// The input projection `W_ih · x + b` does not depend on the state, so callers compute it for the
/// whole sequence in one GEMM (`Tensor.linear`) and pass it here; this kernel adds `W_hh · h` one step
/// at a time (a matrix-vector product per step: the recurrence cannot be batched).
/// Equations (ONNX `LSTM` with default activations, no peepholes, no clipping):
/// `i = σ(·), f = σ(·), g = tanh(·), o = σ(·); c ← f·c + i·g; h ← o·tanh(c)`.
public enum LSTM {
    /// Runs the recurrence over `inputProjection`'s rows.
    /// - Parameters:
    ///   - inputProjection: `[T, 4H]`, `W_ih · x_t + b_ih + b_hh` per step, gates i, f, g, o.
    ///   - recurrentWeight: `W_hh`, `[4H, H]`, the same gate order.
    ///   - state: the state before step 0; on return, the state after the last step.
    /// - Returns: `[T, H]`, h after each step.
    /// - Complexity: O(T · 4H · H).
    public static func run(inputProjection: Tensor, recurrentWeight: Tensor, state: inout LSTMState) -> Tensor {
        let hiddenSize = state.hiddenSize
        precondition(recurrentWeight.shape == [4 * hiddenSize, hiddenSize], "recurrent weight \(recurrentWeight.shape) for hidden size \(hiddenSize)")
        precondition(inputProjection.shape.last == 4 * hiddenSize, "input projection \(inputProjection.shape) for hidden size \(hiddenSize)")
        let steps = inputProjection.count / (4 * hiddenSize)
        var hidden = state.hidden, cell = state.cell
        var gates = [Float](repeating: 0, count: 4 * hiddenSize)
        let output = inputProjection.withUnsafeBufferPointer { projection in
            recurrentWeight.withUnsafeBufferPointer { weight in
                Tensor(shape: [steps, hiddenSize]) { out in
                    for t in 0..<steps {
                        gates.withUnsafeMutableBufferPointer { g in
                            g.baseAddress!.initialize(from: projection.baseAddress! + t * 4 * hiddenSize, count: 4 * hiddenSize)
                            hidden.withUnsafeBufferPointer { h in
                                // gates (4H) += W_hh (4H×H) · h.
                                BLAS.sgemv(m: 4 * hiddenSize, n: hiddenSize, a: weight.baseAddress!, lda: hiddenSize,
                                           x: h.baseAddress!, beta: 1, y: g.baseAddress!)
                            }
                            let row = out.baseAddress! + t * hiddenSize
                            for j in 0..<hiddenSize {
                                let inputGate = 1 / (1 + Foundation.exp(-g[j]))
                                let forgetGate = 1 / (1 + Foundation.exp(-g[hiddenSize + j]))
                                let candidate = Foundation.tanh(g[2 * hiddenSize + j])
                                let outputGate = 1 / (1 + Foundation.exp(-g[3 * hiddenSize + j]))
                                let c = forgetGate * cell[j] + inputGate * candidate
                                cell[j] = c
                                let h = outputGate * Foundation.tanh(c)
                                hidden[j] = h
                                row[j] = h
                            }
                        }
                    }
                }
            }
        }
        state.hidden = hidden
        state.cell = cell
        return output
    }
}
