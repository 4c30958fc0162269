import Foundation
import TandemModels

// Silero VAD on a 16 kHz mono PCM16 WAV named by `TANDEM_VAD_WAV` (Tools/bench/silero_vad_peer.py makes
// 60 s of speech, pauses and noise and runs onnxruntime beside it); without one, 60 s of a synthetic
// signal. `TANDEM_VAD_PROBABILITIES` writes the whole-signal probabilities (float32) for comparison.
let vadBenchSuite = BenchSuite(name: "vad") {
    let environment = ProcessInfo.processInfo.environment
    let vad = try SileroVAD(directory: URL(fileURLWithPath: "Models/silero-vad"))
    let samples: [Float]
    if let path = environment["TANDEM_VAD_WAV"] {
        samples = try readPCM16(path)
    } else {
        samples = (0..<960_000).map { (i: Int) -> Float in
            let loud: Double = i / 16_000 % 3 == 0 ? 0 : 0.3
            return Float(sin(Double(i) * 0.05) * loud)
        }
    }
    if let output = environment["TANDEM_VAD_PROBABILITIES"] {
        let probabilities = vad.speechProbabilities(samples)
        try probabilities.withUnsafeBufferPointer { Data(buffer: $0) }.write(to: URL(fileURLWithPath: output))
    }
    let seconds = Double(samples.count) / 16_000
    return [
        // As faster-whisper runs it: every chunk encoded in one batch, the LSTM stepped through them.
        BenchCase(name: "whole signal", units: seconds, unitName: "s of audio") {
            _ = vad.speechProbabilities(samples)
        },
        // As the `vad` node runs it on decoded packets: 1024-sample pieces, two chunks per call.
        BenchCase(name: "streamed, 1024-sample packets", units: seconds, unitName: "s of audio") {
            var stream = SileroVADStream(model: vad)
            var start = 0
            while start < samples.count {
                let end = min(samples.count, start + 1024)
                _ = stream.process(Array(samples[start..<end]))
                start = end
            }
            _ = stream.finish()
        },
    ]
}
