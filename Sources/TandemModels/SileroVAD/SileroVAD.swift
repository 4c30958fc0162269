import Foundation
import TandemNN

/// Silero VAD v6 (16 kHz), the speech detector faster-whisper ships, run from its ONNX file.
///
/// The network reads 512-sample chunks (32 ms) and gives one speech probability per chunk:
/// each chunk is preceded by the last 64 samples of the chunk before (zeros for the first),
/// reflect-padded by 128 on both sides, and cut into five 256-sample frames at hop 128 whose
/// real and imaginary DFT parts come from one product with the stored `forward_basis_buffer`;
/// the first frame is dropped and the magnitudes of the other four go through four
/// conv + ReLU layers (129→128, 128→64 stride 2, 64→64 stride 2, 64→128) down to one
/// 128-vector per chunk. An LSTM (hidden 128) carries state from chunk to chunk; ReLU, a
/// 128→1 projection and a sigmoid give the probability.
///
/// Everything but the LSTM depends on one chunk only, so a call encodes all its chunks in one
/// batch (a handful of GEMMs) and only the recurrence runs step by step. The weights are read
/// with `ONNXModelFile` from `silero_vad_v6.onnx` (MIT licence, installed by `make models`).
/// The 8 kHz branch of the model is not supported.
public final class SileroVAD: Sendable {
    /// The only rate the model is run at.
    public static let sampleRate = 16_000
    /// Samples per probability (32 ms).
    public static let chunkSize = 512
    /// Samples of the previous chunk each chunk is read with.
    public static let contextSize = 64
    /// The file name inside a model directory.
    public static let fileName = "silero_vad_v6.onnx"

    static let frameLength = 256
    static let hop = 128
    static let bins = 129
    static let hiddenSize = 128

    /// The STFT basis as a linear weight: [258, 256] (129 real rows, then 129 imaginary rows).
    let basis: Tensor
    /// The four encoder convolutions as channels-last linear weights [O, k·C], with biases and strides.
    let encoder: [(weight: Tensor, bias: Tensor, stride: Int)]
    /// LSTM weights in PyTorch gate order (i, f, g, o): W_ih [512, 128], W_hh [512, 128], b_ih + b_hh [512].
    let inputWeight: Tensor
    let recurrentWeight: Tensor
    let lstmBias: Tensor
    /// The decoder's 1×1 convolution as a linear weight [1, 128] and bias [1].
    let decoderWeight: Tensor
    let decoderBias: Tensor

    /// Loads the model from an ONNX file.
    /// - Throws: `WeightsError` when the file is missing, not ONNX, or lacks a tensor of the expected shape.
    public init(modelURL: URL) throws {
        let file = try ONNXModelFile(url: modelURL)
        let path = modelURL.path
        var wrongShape: [String] = []
        func load(_ name: String, _ shape: [Int]) throws -> Tensor {
            let tensor = try file.tensor(named: name)
            if tensor.shape != shape { wrongShape.append("\(name) expected \(shape), found \(tensor.shape)") }
            return tensor
        }
        // The LSTM's initializers carry export-generated names (`onnx::LSTM_209`…): find them through the node.
        guard let lstm = file.nodes.first(where: { $0.operatorType == "LSTM" }), lstm.inputs.count >= 4 else {
            throw WeightsError(.parameterMismatch, file: path, "no LSTM node with W, R and B inputs: not a Silero VAD v6 model")
        }
        let basis = try load("encoder.feature_extractor.forward_basis_buffer", [2 * Self.bins, 1, Self.frameLength])
        let channels = [Self.bins, 128, 64, 64, 128]
        let strides = [1, 2, 2, 1]
        var encoder: [(Tensor, Tensor, Int)] = []
        var convolutions: [(Tensor, Tensor)] = []
        for layer in 0..<4 {
            let weight = try load("encoder.conv_layers.\(layer).weight", [channels[layer + 1], channels[layer], 3])
            let bias = try load("encoder.conv_layers.\(layer).bias", [channels[layer + 1]])
            convolutions.append((weight, bias))
        }
        let w = try load(lstm.inputs[1], [1, 4 * Self.hiddenSize, 128])
        let r = try load(lstm.inputs[2], [1, 4 * Self.hiddenSize, Self.hiddenSize])
        let b = try load(lstm.inputs[3], [1, 8 * Self.hiddenSize])
        let decoderWeight = try load("decoder.conv1d.weight", [1, Self.hiddenSize, 1])
        let decoderBias = try load("decoder.conv1d.bias", [1])
        guard wrongShape.isEmpty else {
            throw WeightsError(.parameterMismatch, file: path, "not Silero VAD v6's shapes: " + wrongShape.joined(separator: "; "))
        }
        for (layer, (weight, bias)) in convolutions.enumerated() {
            let (outputs, inputs, kernel) = (weight.shape[0], weight.shape[1], weight.shape[2])
            encoder.append((weight.permuted([0, 2, 1]).reshaped([outputs, kernel * inputs]), bias, strides[layer]))
        }
        self.basis = basis.reshaped([2 * Self.bins, Self.frameLength])
        self.encoder = encoder
        // ONNX orders the gates i, o, f, c; the kernel wants PyTorch's i, f, g(=c), o.
        func reorder(_ tensor: Tensor) -> Tensor {
            let h = Self.hiddenSize
            return Tensor.concatenate([0, 2, 3, 1].map { tensor.slice(axis: 0, ($0 * h)..<(($0 + 1) * h)) }, axis: 0)
        }
        inputWeight = reorder(w.reshaped([4 * Self.hiddenSize, 128]))
        recurrentWeight = reorder(r.reshaped([4 * Self.hiddenSize, Self.hiddenSize]))
        let biases = b.reshaped([8 * Self.hiddenSize])
        lstmBias = reorder(biases.slice(axis: 0, 0..<(4 * Self.hiddenSize)) + biases.slice(axis: 0, (4 * Self.hiddenSize)..<(8 * Self.hiddenSize)))
        self.decoderWeight = decoderWeight.reshaped([1, Self.hiddenSize])
        self.decoderBias = decoderBias
    }

    /// Loads `silero_vad_v6.onnx` from a model directory (`Models/silero-vad`).
    public convenience init(directory: URL) throws {
        let url = directory.appendingPathComponent(Self.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw WeightsError(.missingFile, file: url.path, "Silero VAD is not installed: run `make models` (it takes \(Self.fileName) from the faster-whisper 1.2.1 wheel)")
        }
        try self.init(modelURL: url)
    }

    /// Speech probabilities of a whole 16 kHz mono signal, one per 512-sample chunk, as faster-whisper
    /// computes them: the signal is first padded with `512 − count % 512` zeros (a whole zero chunk
    /// when the count is already a multiple of 512), so there are `count / 512 + 1` probabilities.
    /// - Complexity: O(count); the encoder runs in batches of 64 chunks (`SileroVADStream.batchChunks`).
    public func speechProbabilities(_ samples16k: [Float]) -> [Float] {
        var stream = SileroVADStream(model: self)
        var probabilities = stream.process(samples16k)
        probabilities += stream.finish()
        return probabilities
    }

    /// Probabilities of whole chunks: `windows` is [N, 576] (64 context samples then 512 new ones).
    /// - Parameter state: the LSTM state before the first chunk; on return, after the last.
    func probabilities(windows: Tensor, state: inout LSTMState) -> [Float] {
        let count = windows.shape[0]
        guard count > 0 else { return [] }
        // STFT as one GEMM: [N, 832] → five frames of 256 at hop 128 → [N, 5, 258].
        let padded = windows.reflectPadded(left: Self.hop, right: Self.hop)
        let frames = padded.reshaped([count, padded.shape[1], 1]).unfoldedPatches(kernel: Self.frameLength, stride: Self.hop)
        let spectrum = Tensor.linear(frames, weight: basis).slice(axis: 1, 1..<frames.shape[1])
        var features = Tensor.magnitude(real: spectrum.slice(axis: 2, 0..<Self.bins),
                                        imaginary: spectrum.slice(axis: 2, Self.bins..<(2 * Self.bins)))
        for layer in encoder {
            let patches = features.unfoldedPatches(kernel: 3, stride: layer.stride, padding: 1)
            features = Tensor.linear(patches, weight: layer.weight, bias: layer.bias, activation: .relu)
        }
        // One 128-vector per chunk: [N, 1, 128] → [N, 128].
        let encoded = features.reshaped([count, Self.hiddenSize])
        let projection = Tensor.linear(encoded, weight: inputWeight, bias: lstmBias)
        let hidden = LSTM.run(inputProjection: projection, recurrentWeight: recurrentWeight, state: &state)
        let logits = Tensor.linear(hidden.applying(.relu), weight: decoderWeight, bias: decoderBias, activation: .sigmoid)
        return logits.scalars
    }
}
