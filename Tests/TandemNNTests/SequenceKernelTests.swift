import Foundation
import Testing
@testable import TandemNN

/// The kernels Silero VAD adds: reflect padding, channels-last unfolding (checked against
/// `Tensor.convolution`) and the LSTM recurrence (checked against the equations written out).
@Suite("Sequence kernels")
struct SequenceKernelTests {
    @Test func reflectPaddingMirrorsWithoutTheEdge() {
        let x = Tensor(shape: [2, 5], values: [1, 2, 3, 4, 5, 10, 20, 30, 40, 50])
        let padded = x.reflectPadded(left: 2, right: 3)
        #expect(padded.shape == [2, 10])
        #expect(padded.scalars == [3, 2, 1, 2, 3, 4, 5, 4, 3, 2, 30, 20, 10, 20, 30, 40, 50, 40, 30, 20])
    }

    @Test(arguments: [(1, 1), (2, 1), (1, 0), (3, 2)])
    func unfoldThenLinearIsTheConvolution(stride: Int, padding: Int) {
        var values = SeededValues(seed: UInt64(7 + stride * 10 + padding))
        let input = values.tensor([3, 6, 9])          // [N, C, L]
        let weight = values.tensor([5, 6, 3])         // [O, C, k]
        let bias = values.tensor([5])
        let expected = Tensor.conv1d(input, weight: weight, bias: bias, stride: stride, padding: padding)
        let patches = input.permuted([0, 2, 1]).unfoldedPatches(kernel: 3, stride: stride, padding: padding)
        let found = Tensor.linear(patches, weight: weight.permuted([0, 2, 1]).reshaped([5, 18]), bias: bias)
        #expect(found.shape == [3, expected.shape[2], 5])
        #expect(maxDifference(found.permuted([0, 2, 1]).scalars, expected.scalars) < 1e-5)
    }

    @Test func magnitudeIsTheComplexAbsoluteValue() {
        let m = Tensor.magnitude(real: Tensor(shape: [3], values: [3, 0, -5]), imaginary: Tensor(shape: [3], values: [4, -2, 12]))
        #expect(m.scalars == [5, 2, 13])
    }

    @Test func lstmFollowsTheEquations() {
        let hidden = 4, inputs = 3, steps = 6
        var values = SeededValues(seed: 99)
        let x = values.tensor([steps, inputs])
        let wih = values.tensor([4 * hidden, inputs]), whh = values.tensor([4 * hidden, hidden]), b = values.tensor([4 * hidden])
        var state = LSTMState(hiddenSize: hidden)
        state.hidden = [0.1, -0.2, 0.3, 0]
        state.cell = [0.5, 0, -0.5, 1]
        var reference = state
        let output = LSTM.run(inputProjection: Tensor.linear(x, weight: wih, bias: b), recurrentWeight: whh, state: &state)

        func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        var h = reference.hidden.map(Double.init), c = reference.cell.map(Double.init)
        var expected: [Float] = []
        for t in 0..<steps {
            var gates = [Double](repeating: 0, count: 4 * hidden)
            for row in 0..<(4 * hidden) {
                var sum = Double(b[row])
                for i in 0..<inputs { sum += Double(wih[row, i]) * Double(x[t, i]) }
                for j in 0..<hidden { sum += Double(whh[row, j]) * h[j] }
                gates[row] = sum
            }
            for j in 0..<hidden {
                c[j] = sigmoid(gates[hidden + j]) * c[j] + sigmoid(gates[j]) * tanh(gates[2 * hidden + j])
                h[j] = sigmoid(gates[3 * hidden + j]) * tanh(c[j])
            }
            expected += h.map(Float.init)
        }
        reference.hidden = h.map(Float.init)
        reference.cell = c.map(Float.init)
        #expect(output.shape == [steps, hidden])
        #expect(maxDifference(output.scalars, expected) < 1e-5)
        #expect(maxDifference(state.hidden, reference.hidden) < 1e-5 && maxDifference(state.cell, reference.cell) < 1e-5)
    }
}
