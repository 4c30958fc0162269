import Foundation
import Testing
@testable import TandemNN

/// Each shared layer against `torch.nn` with random weights (Tools/fixtures/make_layer_fixtures.py),
/// built through `WeightReader` from the fixture file under the module's own state-dict names.
@Suite struct LayerParityTests {
    /// A fixture file, and a reader over it whose `finish` accepts the fixture's inputs and outputs as unused.
    struct Fixture {
        let file: SafetensorsFile
        let weights: WeightReader

        init(_ name: String) throws {
            let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/layers/\(name).safetensors")
            file = try SafetensorsFile(url: url)
            weights = WeightReader(file)
        }

        func tensor(_ name: String) throws -> Tensor { try file.tensor(named: name) }

        /// Every parameter of the layer was read, and nothing but inputs and outputs is left.
        func finish(parameterPrefix: String) throws {
            try weights.finish(ignoring: { !$0.hasPrefix(parameterPrefix + ".") })
        }
    }

    /// ≤ 1e-5 relative to the reference's largest magnitude, with the same shape.
    func expectClose(_ got: Tensor, _ expected: Tensor, tolerance: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(got.shape == expected.shape, sourceLocation: sourceLocation)
        if got.shape == expected.shape {
            let error = Tensor.relativeDifference(got, expected)
            #expect(error <= tolerance, "relative error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func linear() throws {
        let f = try Fixture("linear")
        let layer = Linear(f.weights, "proj", inFeatures: 6, outFeatures: 5)
        try f.finish(parameterPrefix: "proj")
        expectClose(layer(try f.tensor("input")), try f.tensor("output"))
        // The packed form computes the same.
        expectClose(layer.packedForFewRows()(try f.tensor("input")), try f.tensor("output"))
    }

    @Test func conv1dWithStridePaddingDilationAndGroups() throws {
        let f = try Fixture("conv1d")
        let conv = Conv1d(f.weights, "conv", inChannels: 4, outChannels: 6, kernelSize: 3, stride: 2, padding: 2, dilation: 2, groups: 2)
        try f.finish(parameterPrefix: "conv")
        expectClose(conv(try f.tensor("input")), try f.tensor("output"))
    }

    /// Stride 1, one group, 64 input channels: the per-tap GEMM path, dilated with padding and plain.
    @Test func conv1dByTapsDilatedAndPlain() throws {
        let f = try Fixture("conv1d_taps")
        let conv = Conv1d(f.weights, "conv", inChannels: 64, outChannels: 32, kernelSize: 5, padding: 6, dilation: 3)
        let plain = Conv1d(f.weights, "plain", inChannels: 64, outChannels: 16, kernelSize: 3, bias: false)
        try f.weights.finish(ignoring: { !$0.hasPrefix("conv.") && !$0.hasPrefix("plain.") })
        #expect(conv.usesTaps && plain.usesTaps)
        let input = try f.tensor("input")
        expectClose(conv(input), try f.tensor("output"))
        expectClose(plain(input), try f.tensor("output_plain"))
        // The im2col kernel agrees.
        expectClose(Tensor.convolution(input, weight: conv.weight, bias: conv.bias, padding: [6], dilation: [3]), try f.tensor("output"))
    }

    @Test func conv2dWithGroupsAndFoldedBatchNorm() throws {
        let f = try Fixture("conv2d_bn")
        let conv = Conv2d(f.weights, "conv", inChannels: 4, outChannels: 6, kernelSize: 3, stride: 2, padding: 1, groups: 2,
                          bias: false, batchNorm: "bn")
        try f.weights.finish(ignoring: { !$0.hasPrefix("conv.") && !$0.hasPrefix("bn.") })
        expectClose(conv(try f.tensor("input")), try f.tensor("output"))
    }

    @Test func conv2dDilatedRectangular() throws {
        let f = try Fixture("conv2d_dilated")
        let conv = Conv2d(f.weights, "conv", inChannels: 3, outChannels: 5, kernelSize: (3, 2), stride: (1, 2), padding: (2, 1), dilation: (2, 1))
        try f.finish(parameterPrefix: "conv")
        expectClose(conv(try f.tensor("input")), try f.tensor("output"))
    }

    @Test func conv2dPatchEmbedding() throws {
        let f = try Fixture("conv2d_patches")
        let conv = Conv2d(f.weights, "conv", inChannels: 3, outChannels: 8, kernelSize: 4, stride: 4)
        try f.finish(parameterPrefix: "conv")
        let expected = try f.tensor("output")  // [2, 8, 2, 3]
        expectClose(conv(try f.tensor("input")), expected)
        // Token-major: conv(x).flatten(2).transpose(1, 2).
        expectClose(conv.patches(try f.tensor("input")), expected.reshaped([2, 8, 6]).permuted([0, 2, 1]).reshaped([12, 8]))
    }

    @Test func convTranspose1d() throws {
        let f = try Fixture("conv_transpose1d")
        let up = ConvTranspose1d(f.weights, "up", inChannels: 4, outChannels: 3, kernelSize: 8, stride: 4, padding: 2)
        try f.finish(parameterPrefix: "up")
        expectClose(up(try f.tensor("input")), try f.tensor("output"))

        let g = try Fixture("conv_transpose1d_groups")
        let grouped = ConvTranspose1d(g.weights, "up", inChannels: 4, outChannels: 6, kernelSize: 3, stride: 2, padding: 1,
                                      outputPadding: 1, dilation: 2, groups: 2)
        try g.finish(parameterPrefix: "up")
        expectClose(grouped(try g.tensor("input")), try g.tensor("output"))
    }

    @Test func groupNormAndLayerNorm() throws {
        let f = try Fixture("group_norm")
        let norm = GroupNorm(f.weights, "norm", groups: 3, channels: 6, eps: 1e-6)
        try f.finish(parameterPrefix: "norm")
        expectClose(norm(try f.tensor("input")), try f.tensor("output"))
        expectClose(norm(try f.tensor("input"), activation: .silu), try f.tensor("output_silu"))

        let l = try Fixture("layer_norm")
        let layerNorm = LayerNorm(l.weights, "norm", size: 8)
        try l.finish(parameterPrefix: "norm")
        expectClose(layerNorm(try l.tensor("input")), try l.tensor("output"))
    }

    @Test func embedding() throws {
        let f = try Fixture("embedding")
        let table = Embedding(f.weights, "embed", count: 10, dimension: 4)
        try f.finish(parameterPrefix: "embed")
        let ids = try f.tensor("ids").scalars.map { Int($0) }
        expectClose(table([Array(ids[0..<3]), Array(ids[3..<6])]), try f.tensor("output"))
    }

    @Test(arguments: [("gelu", Activation.gelu), ("gelu_tanh", .geluTanh), ("silu", .silu), ("relu", .relu), ("leaky_relu", .leakyReLU(slope: 0.2))])
    func activation(name: String, activation: Activation) throws {
        let f = try Fixture("activations")
        expectClose(try f.tensor("input").applying(activation), try f.tensor(name))
    }

    @Test func upsampling() throws {
        let f = try Fixture("upsample")
        let x = try f.tensor("input")
        expectClose(Upsample(scaleFactor: 2)(x), try f.tensor("nearest"))
        expectClose(Upsample(scaleFactor: 2, mode: .linear(alignCorners: false))(x), try f.tensor("bilinear"))
        expectClose(Upsample(scaleFactor: 2, mode: .linear(alignCorners: true))(x), try f.tensor("bilinear_corners"))
        expectClose(Upsample(scaleFactor: 3)(try f.tensor("input_1d")), try f.tensor("nearest_1d"))
    }

    @Test func selfAttentionWithPaddingAndCausalMasks() throws {
        let f = try Fixture("attention_self")
        let attention = MultiHeadAttention(f.weights, "attn", kind: .selfAttention, width: 8, heads: 2, keyBias: false)
        try f.finish(parameterPrefix: "attn")
        let x = try f.tensor("input")
        expectClose(attention(x), try f.tensor("output"))
        let lengths = try f.tensor("key_lengths").scalars.map { Int($0) }
        expectClose(attention(x, mask: .keyLengths(lengths)), try f.tensor("output_padded"))
        expectClose(attention(x, mask: .causal), try f.tensor("output_causal"))
    }

    @Test func cachedDecodingEqualsCausalAttention() throws {
        let f = try Fixture("attention_self")
        let attention = MultiHeadAttention(f.weights, "attn", kind: .selfAttention, width: 8, heads: 2, keyBias: false).packedForFewRows()
        let x = try f.tensor("input")  // [2, 5, 8]
        // A prompt of 3 positions, then two single steps, against the same cache.
        var cache = KVCache(batch: 2, width: 8)
        let prompt = attention(x.slice(axis: 1, 0..<3), cache: &cache)
        let fourth = attention(x.slice(axis: 1, 3..<4), cache: &cache)
        let fifth = attention(x.slice(axis: 1, 4..<5), cache: &cache)
        expectClose(Tensor.concatenate([prompt, fourth, fifth], axis: 1), try f.tensor("output_causal"))
    }

    @Test func crossAttentionWithAdditiveMask() throws {
        let f = try Fixture("attention_cross")
        let attention = MultiHeadAttention(f.weights, "attn", kind: .crossAttention, width: 8, heads: 2, contextWidth: 6, keyBias: false)
        try f.finish(parameterPrefix: "attn")
        let x = try f.tensor("input"), context = try f.tensor("context")
        expectClose(attention(x, context: context), try f.tensor("output"))
        expectClose(attention(x, context: context, mask: .additive(try f.tensor("mask"))), try f.tensor("output_masked"))
        // The packed memory (few rows per step) gives the same unmasked result.
        let kv = attention.keysAndValues(context)
        let first = attention(x.slice(axis: 0, 0..<1), memory: attention.memory(keysAndValues: kv.slice(axis: 0, 0..<1)))
        expectClose(first, try f.tensor("output").slice(axis: 0, 0..<1))
    }
}
