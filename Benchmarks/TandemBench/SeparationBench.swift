import Foundation
import TandemCore
import TandemDSP
import TandemModels
import TandemNN
import TandemVision

/// Separation benchmarks: the default separator on a minute of 44.1 kHz stereo (units: seconds of
/// audio, so the throughput is the real-time factor), the motion map over a minute of 25 fps video,
/// and one Sound of Pixels window at the published size with random weights.
let separationBenchSuite = BenchSuite(name: "separation") {
    let rate = 44100, seconds = 60
    let count = rate * seconds
    // Two synthetic players: a low and a high voice with their own note onsets.
    var low = [Float](repeating: 0, count: count), high = [Float](repeating: 0, count: count)
    var lowOnsets: [Double] = [], highOnsets: [Double] = []
    var t = 0.1
    while t < Double(seconds) - 1 { lowOnsets.append(t); t += 0.7 }
    t = 0.4
    while t < Double(seconds) - 1 { highOnsets.append(t); t += 0.55 }
    func play(_ onsets: [Double], _ frequency: Double, into out: inout [Float]) {
        for onset in onsets {
            let start = Int(onset * Double(rate))
            for i in 0..<Int(0.4 * Double(rate)) where start + i < count {
                let s = Double(i) / Double(rate)
                out[start + i] += Float(0.2 * (sin(2 * .pi * frequency * s) + 0.5 * sin(4 * .pi * frequency * s)) * exp(-5 * s))
            }
        }
    }
    play(lowOnsets, 196, into: &low)
    play(highOnsets, 880, into: &high)
    let left = zip(low, high).map { 0.6 * $0 + 0.4 * $1 }, right = zip(low, high).map { 0.4 * $0 + 0.6 * $1 }
    func track(_ onsets: [Double], _ label: String) -> MotionTrack {
        let times = (0..<(seconds * 25)).map { Double($0) / 25 }
        return MotionTrack(label: label, times: times, energy: times.map { time in onsets.contains { time >= $0 && time < $0 + 0.08 } ? 0.2 : 0.001 })
    }
    let tracks = [track(lowOnsets, "left"), track(highOnsets, "right")]

    // A minute of 256×144 gray video with two moving squares.
    let frames: [GrayImage] = (0..<(seconds * 25)).map { f in
        var pixels = [UInt8](repeating: 30, count: 256 * 144)
        let y = 20 + (f % 7) * 10
        for row in y..<(y + 24) { for x in 40..<70 { pixels[row * 256 + x] = 200 } }
        let y2 = 30 + (f % 5) * 12
        for row in y2..<(y2 + 24) { for x in 180..<210 { pixels[row * 256 + x] = 200 } }
        return GrayImage(width: 256, height: 144, pixels: pixels)
    }

    // Sound of Pixels at the published size (unet7 ngf 64, ResNet-18, K 32), random weights.
    var generator = SystemRandomNumberGenerator()
    var tensors: [String: Tensor] = [:]
    for (name, shape) in SoundOfPixels.parameterShapes() {
        let n = shape.reduce(1, *)
        let isVariance = name.hasSuffix("running_var")
        let fan = Float(max(1, n / shape[0]))
        tensors[name] = Tensor(shape: shape, values: (0..<n).map { _ in
            isVariance ? 1 : Float.random(in: -1...1, using: &generator) / fan.squareRoot()
        })
    }
    let model = try SoundOfPixels(weights: InMemoryWeights(tensors: tensors))
    let window = (0..<65535).map { Float(sin(Double($0) * 0.05)) * 0.3 }
    let sourceFrames = [Tensor](repeating: Tensor(repeating: 0.1, shape: [3, 3, 224, 224]), count: 2)

    // The first 10 s of the left channel as the separator's magnitude spectrogram (n_fft 2048 at 44.1 kHz, hop 512).
    let magnitudeStft = try STFT(STFTConfiguration(fftSize: 2048, hop: 512, output: .magnitude))
    let magnitude = magnitudeStft(Array(left[0..<(10 * rate)]))
    let magnitudeFrames = magnitudeStft.frameCount(forLength: 10 * rate)

    return [
        // The harmonic model the ensemble runs beside the components (most of a separation's products; its templates
        // are mostly zero, which its products skip).
        BenchCase(name: "harmonic NMF 10 s 44.1 kHz, 3 sources", units: 10, unitName: "s audio") {
            _ = try HarmonicNMF().factorize(magnitude, frames: magnitudeFrames, bins: 1025, sampleRate: rate, fftSize: 2048, sources: 3)
        },
        BenchCase(name: "motion-nmf 60 s 44.1 kHz stereo, 2 sources", units: Double(seconds), unitName: "s audio") {
            _ = try MotionInformedNMF().separate([left, right], sampleRate: rate, motion: tracks)
        },
        BenchCase(name: "motion map + regions, 60 s of 256x144 at 25 fps", units: Double(seconds), unitName: "s video") {
            var map = MotionMap(cellSize: 4)
            for (i, frame) in frames.enumerated() { try map.append(frame, time: Double(i) / 25) }
            _ = MotionRegionFinder().regions(in: map, count: 2)
        },
        BenchCase(name: "sound-of-pixels window (65535 samples, 2 sources, 3 frames each)", units: 1, unitName: "windows") {
            _ = try model.separate(window: window, frames: sourceFrames)
        },
    ]
}

/// Named tensors held in memory, for benchmark models with random weights.
struct InMemoryWeights: WeightSource {
    let tensors: [String: Tensor]
    var tensorNames: [String] { tensors.keys.sorted() }
    func shape(of name: String) -> [Int]? { tensors[name]?.shape }
    func tensor(named name: String) throws -> Tensor {
        guard let t = tensors[name] else { throw WeightsError(.tensorNotFound, tensor: name, "not in memory") }
        return t
    }
}
