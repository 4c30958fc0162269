import Foundation
import TandemDSP

/// 10 minutes of 44.1 kHz mono: two sines plus uniform noise from a fixed seed (the same
/// recipe as Tools/bench/dsp_peers.py uses, so the figures compare like for like).
private func benchSignal(seconds: Int, sampleRate: Int) -> [Float] {
    var state: UInt64 = 42
    return (0..<(seconds * sampleRate)).map { i in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let noise = Float(state >> 40) / Float(1 << 24) - 0.5
        let t = Float(i) / Float(sampleRate)
        return 0.5 * sin(2 * .pi * 440 * t) + 0.25 * sin(2 * .pi * 1234.5 * t) + 0.1 * noise
    }
}

/// An output array kept across runs (the benchmark closures must be Sendable).
private final class Reusable: @unchecked Sendable {
    // Safe: only touched under `lock`.
    private var value: [Float]
    private let lock = NSLock()
    init(_ value: [Float]) { self.value = value }
    func withLock(_ body: (inout [Float]) -> Void) { lock.withLock { body(&value) } }
}

// Benchmarks of the dsp layer. The headline case is `stft-1024-256-10min` (complex output, centred,
// reflect padding), compared with librosa.stft, torch.stft and a plain C FFTW loop by
// Tools/bench/dsp_peers.py.
let dspBenchSuite = BenchSuite(name: "dsp") {
    let tenMinutes = benchSignal(seconds: 600, sampleRate: 44100)
    let stft = try STFT(STFTConfiguration(fftSize: 1024, hop: 256))
    let serial = {
        var single = stft
        single.threadCount = 1
        return single
    }()
    // One thread each, so the planning rigor is all that differs (`.estimate` is the default: its
    // results do not depend on timing).
    func singleThreaded(_ fftSize: Int, _ planning: STFTConfiguration.Planning) throws -> STFT {
        var single = try STFT(STFTConfiguration(fftSize: fftSize, hop: 256, planning: planning))
        single.threadCount = 1
        return single
    }
    let planned = try [1024, 1022].flatMap { size in
        try [STFTConfiguration.Planning.estimate, .measure].map { (size, $0, try singleThreaded(size, $0)) }
    }
    let magnitude = try STFT(STFTConfiguration(fftSize: 1024, hop: 256, output: .magnitude))
    let thirtySeconds = Array(benchSignal(seconds: 30, sampleRate: 16000))
    let whisper = try WhisperLogMel(melCount: 80)
    let inverse = try InverseSTFT(STFTConfiguration(fftSize: 1024, hop: 256))
    let oneMinute = Array(tenMinutes.prefix(60 * 44100))
    let oneMinuteFrames = stft(oneMinute)
    let minutes = Double(tenMinutes.count) / 44100 / 60
    let reusable = Reusable([Float]())
    return [
        BenchCase(name: "stft-1024-256-10min", units: minutes, unitName: "audio-min") { _ = stft(tenMinutes) },
        BenchCase(name: "stft-1024-256-10min-reused-output", units: minutes, unitName: "audio-min") {
            reusable.withLock { stft.transform(tenMinutes, into: &$0) }
        },
        BenchCase(name: "stft-1024-256-10min-1thread", units: minutes, unitName: "audio-min") { _ = serial(tenMinutes) },
        BenchCase(name: "stft-magnitude-1024-256-10min", units: minutes, unitName: "audio-min") { _ = magnitude(tenMinutes) },
        BenchCase(name: "istft-1024-256-1min", units: 1, unitName: "audio-min") { _ = try inverse(oneMinuteFrames) },
        BenchCase(name: "whisper-logmel-30s", units: 0.5, unitName: "audio-min") { _ = whisper.window30Seconds(thirtySeconds) },
    ] + planned.map { size, planning, stft in
        BenchCase(name: "stft-\(size)-256-10min-1thread-\(planning.rawValue)", units: minutes, unitName: "audio-min") { _ = stft(tenMinutes) }
    }
}
