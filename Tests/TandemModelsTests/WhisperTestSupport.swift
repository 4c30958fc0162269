import Foundation
import Testing

/// Locates Whisper fixtures and the embedded model for the tests.
enum WhisperFixtures {
    static var directory: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures/whisper") }

    static func data(_ name: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(name)) }

    static func json(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: data(name)) as! [String: Any]
    }

    /// Little-endian float32 values of a `.f32` fixture.
    static func floats(_ name: String) throws -> [Float] {
        let bytes = try data(name)
        return bytes.withUnsafeBytes { raw in
            (0..<bytes.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    /// Samples of a 16-bit PCM mono WAV fixture, scaled by 1/32768 as soundfile and PyAV do.
    static func wav(_ name: String) throws -> [Float] { try pcm16WAVSamples(data(name)) }

    /// `Models/<name>` at the package root (`whisper-tiny.en`, `whisper-base`); records a failure telling
    /// how to get it when absent.
    static func embeddedModel(_ name: String = "whisper-tiny.en") -> URL? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let model = root.appendingPathComponent("Models/\(name)")
        guard FileManager.default.fileExists(atPath: model.appendingPathComponent("model.bin").path) else {
            Issue.record("\(model.path) is missing: run `make models` (make test fetches it)")
            return nil
        }
        return model
    }
}

/// The samples of a 16-bit PCM mono WAV file, scaled by 1/32768 as soundfile and PyAV do (the fixtures'
/// reference side); shared by every suite that reads a WAV fixture.
func pcm16WAVSamples(_ data: Data) throws -> [Float] {
    let bytes = [UInt8](data)
    var position = 12
    while position + 8 <= bytes.count {
        let id = String(decoding: bytes[position..<position + 4], as: UTF8.self)
        let size = Int(bytes[position + 4]) | Int(bytes[position + 5]) << 8 | Int(bytes[position + 6]) << 16 | Int(bytes[position + 7]) << 24
        if id == "data" {
            let start = position + 8
            let end = min(bytes.count, start + size)
            return stride(from: start, to: end - 1, by: 2).map { Float(Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)) / 32768 }
        }
        position += 8 + size + (size & 1)
    }
    throw CocoaError(.fileReadCorruptFile)
}
