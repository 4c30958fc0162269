import Foundation
import TandemModels

// Whisper on a speech file: `TANDEM_WHISPER_WAV` (16 kHz mono PCM16; Tools/bench/whisper_peer.py
// makes 60 s of espeak-ng speech), `TANDEM_WHISPER_MODEL` (default Models/whisper-tiny.en; the language is
// detected by multilingual models), `TANDEM_WHISPER_BEAM` (default 5), optional `TANDEM_WHISPER_JSON` to
// write the segments for comparison (and, with word timestamps, to `<path>.words.json`), optional
// `TANDEM_WHISPER_ONLY` (a word of a case name) to run one case. Without a WAV the suite has no cases.
let whisperBenchSuite = BenchSuite(name: "whisper") {
    let environment = ProcessInfo.processInfo.environment
    guard let path = environment["TANDEM_WHISPER_WAV"] else { return [] }
    let directory = URL(fileURLWithPath: environment["TANDEM_WHISPER_MODEL"] ?? "Models/whisper-tiny.en")
    let recognizer = try WhisperRecognizer(directory: directory)
    // Case names say which model: "tiny.en beam 5", "base beam 5".
    let modelName = directory.lastPathComponent.replacingOccurrences(of: "whisper-", with: "")
    let samples = try readPCM16(path)
    var options = WhisperDecodingOptions()
    options.beamSize = environment["TANDEM_WHISPER_BEAM"].flatMap(Int.init) ?? 5
    options.temperatures = [0]
    if let output = environment["TANDEM_WHISPER_JSON"] {
        // One run outside the timing: the segments for comparison, and the CPU time of all threads, which
        // a machine shared with other work does not inflate the way it inflates wall time.
        let cpuBefore = processCPUSeconds()
        let segments = try recognizer.transcribe(samples, options: options)
        print(String(format: "whisper/cpu: %.3f s", processCPUSeconds() - cpuBefore))
        try JSONEncoder().encode(segments).write(to: URL(fileURLWithPath: output))
        var withWords = options
        withWords.wordTimestamps = true
        try JSONEncoder().encode(try recognizer.transcribe(samples, options: withWords)).write(to: URL(fileURLWithPath: output + ".words.json"))
    }
    let seconds = Double(samples.count) / 16000
    let chosen = options
    var timed = options
    timed.wordTimestamps = true
    let window = [Float](recognizer.features(samples).values.prefix(recognizer.model.melCount * 3000))
    // The decoder pass that times the words of the first window (its text as decoded), alone.
    let tokenizer = recognizer.tokenizer
    let firstText = try recognizer.transcribe(Array(samples.prefix(480_000)), options: options)
        .filter { $0.seek == 0 }.flatMap(\.tokens).filter { $0 < tokenizer.endOfText }
    let encoded = try recognizer.model.encode(window)
    let sequence = [tokenizer.startOfTranscript, tokenizer.noTimestamps] + firstText + [tokenizer.endOfText]
    // The decoder alone: 32 steps of 5 rows (as beam 5 runs them) after a 3-token prompt, on the first window's encoding.
    let model = recognizer.model
    var prepared = try model.makeCache(for: encoded)
    _ = try model.decode([[tokenizer.startOfTranscript, tokenizer.transcribe]], cache: &prepared)
    _ = try model.decode([[tokenizer.timestampBegin]], cache: &prepared)
    model.selectRows([0, 0, 0, 0, 0], cache: &prepared)
    let start = prepared
    let cases = [
        BenchCase(name: "encoder, one 30 s window", units: 30, unitName: "s of audio") {
            _ = try model.encode(window)
        },
        BenchCase(name: "decoder, 32 steps of 5 rows", units: 32 * 5, unitName: "tokens") {
            var cache = start
            for step in 0..<32 {
                _ = try model.decode([[Int]](repeating: [440 + step], count: 5), cache: &cache)
            }
        },
        BenchCase(name: "word alignment pass, first window (\(firstText.count) tokens)", units: 30, unitName: "s of audio") {
            _ = try recognizer.model.alignmentScores(sequence, encoded: encoded, frames: 1500, heads: recognizer.alignmentHeads,
                                                     textVocabulary: tokenizer.endOfText)
        },
        BenchCase(name: "\(modelName) beam \(chosen.beamSize)", units: seconds, unitName: "s of audio") {
            _ = try recognizer.transcribe(samples, options: chosen)
        },
        BenchCase(name: "\(modelName) beam \(chosen.beamSize), word timestamps", units: seconds, unitName: "s of audio") { [timed] in
            _ = try recognizer.transcribe(samples, options: timed)
        },
    ]
    // `TANDEM_WHISPER_ONLY` keeps the case of that name, or else the cases whose name contains it
    // (`encoder`, `decoder`), to time or profile one part.
    guard let only = environment["TANDEM_WHISPER_ONLY"] else { return cases }
    let named = cases.filter { $0.name == only }
    return named.isEmpty ? cases.filter { $0.name.contains(only) } : named
}

/// User + system CPU time of the whole process (every thread).
private func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// The samples of a 16-bit PCM WAV, scaled by 1/32768.
func readPCM16(_ path: String) throws -> [Float] {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    var position = 12
    while position + 8 <= bytes.count {
        let id = String(decoding: bytes[position..<position + 4], as: UTF8.self)
        let size = Int(bytes[position + 4]) | Int(bytes[position + 5]) << 8 | Int(bytes[position + 6]) << 16 | Int(bytes[position + 7]) << 24
        if id == "data" {
            let end = min(bytes.count, position + 8 + size)
            return stride(from: position + 8, to: end - 1, by: 2).map { Float(Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)) / 32768 }
        }
        position += 8 + size + (size & 1)
    }
    throw CocoaError(.fileReadCorruptFile)
}
