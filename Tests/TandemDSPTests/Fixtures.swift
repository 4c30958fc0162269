import Foundation
import Testing
import TandemCore
@testable import TandemDSP

/// A float32 array read from a `.npy` fixture: its shape and values in C order.
struct NpyArray {
    var shape: [Int]
    var values: [Float]
}

enum FixtureError: Error { case missing(String), malformed(String) }

/// Reads the parity fixtures written by `Tools/fixtures/make_dsp_fixtures.py`.
enum Fixtures {
    static func url(_ name: String) throws -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw FixtureError.missing(name)
        }
        return url
    }

    /// A little-endian float32, C-order `.npy` (format 1.0 or 2.0).
    static func npy(_ name: String) throws -> NpyArray {
        let data = try Data(contentsOf: url(name))
        let bytes = [UInt8](data)
        guard bytes.count > 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw FixtureError.malformed("\(name): not a .npy file")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[12 + $1 - 4]) << (8 * $1) }
            headerStart = 12
        }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard header.contains("'descr': '<f4'"), header.contains("'fortran_order': False"),
              let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")")
        else { throw FixtureError.malformed("\(name): need little-endian float32 in C order, header \(header)") }
        let shape = header[open.upperBound..<close].split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        let count = shape.reduce(1, *)
        let payload = headerStart + headerLength
        guard bytes.count - payload == 4 * count else { throw FixtureError.malformed("\(name): size mismatch") }
        let values = bytes[payload...].withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian) }
        }
        return NpyArray(shape: shape, values: values)
    }

    static func cases() throws -> Cases {
        try JSONDecoder().decode(Cases.self, from: Data(contentsOf: url("cases.json")))
    }

    struct Cases: Decodable {
        var stft: [STFTCase]
        var istft: [ISTFTCase]
        var mel: [MelCase]
        var whisper: [WhisperCase]
        var warp: [WarpCase]
        var griffinlim: [GriffinLimCase]
    }

    struct STFTCase: Decodable, CustomTestStringConvertible {
        var name: String
        var fftSize: Int, hop: Int, windowLength: Int
        var window: String, periodic: Bool, center: Bool, padding: String, normalized: Bool, output: String, peer: String
        var input: String, reference: String
        var windowValues: String?
        var testDescription: String { "\(name) vs \(peer)" }
    }

    struct ISTFTCase: Decodable, CustomTestStringConvertible {
        var name: String
        var fftSize: Int, hop: Int, length: Int?, normalized: Bool
        var input: String, reference: String
        var testDescription: String { name }
    }

    struct MelCase: Decodable, CustomTestStringConvertible {
        var name: String
        var sampleRate: Int, fftSize: Int, melCount: Int, fmin: Double, fmax: Double?, htk: Bool, slaneyNorm: Bool
        var reference: String
        var testDescription: String { name }
    }

    struct WhisperCase: Decodable, CustomTestStringConvertible {
        var name: String
        var melCount: Int, input: String, padTo30s: Bool
        var frameCount: Int?, headFrames: Int?, tailFrames: Int?
        var reference: String
        var testDescription: String { name }
    }

    struct WarpCase: Decodable {
        var name: String, frames: Int
        var input: String, reference: String, maskInput: String, maskReference: String
    }

    struct GriffinLimCase: Decodable, CustomTestStringConvertible {
        var name: String, fftSize: Int, hop: Int, iterations: Int, momentum: Float
        var input: String, reference: String
        var testDescription: String { name }
    }
}

/// The parity measure used throughout: max |a − b| / max |b| over the whole array.
func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "sizes \(a.count) and \(b.count) differ")
    var difference: Float = 0
    var scale: Float = 0
    for i in 0..<a.count {
        difference = max(difference, abs(a[i] - b[i]))
        scale = max(scale, abs(b[i]))
    }
    return scale > 0 ? difference / scale : difference
}

/// A reproducible test signal (SplitMix64 noise plus two sines).
func testSignal(_ count: Int, seed: UInt64 = 1) -> [Float] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { i in
        let noise = Float(generator.nextUnitDouble()) - 0.5
        let t = Float(i) / 16000
        return 0.5 * sin(2 * .pi * 440 * t) + 0.2 * sin(2 * .pi * 3000 * t) + 0.2 * noise
    }
}

/// Hand-made factors for the assignment's tests: `components` components over 250 frames and 64 bins, each a
/// normalised Gaussian spectral shape centred on bin `centre(c)` and four decaying notes at its own times
/// (SplitMix64 `seed`), so that instruments made of a few neighbouring components can be told apart by timbre.
func noteFactors(components: Int, seed: UInt64, centre: (Int) -> Int) -> NMF.Factors {
    let frames = 250, bins = 64
    var activations = [Float](repeating: 0, count: frames * components)
    var generator = SplitMix64(seed: seed)
    for c in 0..<components {
        for _ in 0..<4 {
            let start = Int(generator.next() % UInt64(frames - 20))
            for t in start..<min(frames, start + 15) { activations[t * components + c] += Float(Foundation.exp(-Double(t - start) / 6)) }
        }
    }
    var templates = [Float](repeating: 0, count: components * bins)
    for c in 0..<components {
        for b in 0..<bins { templates[c * bins + b] = Float(Foundation.exp(-pow(Double(b - centre(c)) / 4, 2))) + 1e-4 }
        let sum = templates[(c * bins)..<((c + 1) * bins)].reduce(0, +)
        for b in 0..<bins { templates[c * bins + b] /= sum }
    }
    return NMF.Factors(frames: frames, bins: bins, components: components, activations: activations, templates: templates)
}
