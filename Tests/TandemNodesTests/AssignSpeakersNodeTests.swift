import Foundation
import Testing
import TandemAV
import TandemCore
@testable import TandemNodes

/// `assign-speakers` alone, fed scripted transcripts and maps: no model, no media.
@Suite struct AssignSpeakersNodeTests {
    /// Sends one transcript packet.
    struct TranscriptSource: Node {
        static let descriptor = NodeDescriptor(kind: "test-transcript", doc: "test source", outputs: [PortSpec("transcript", .transcript)])
        let segments: [TranscriptSegment]
        var sent = false
        mutating func produce(output: NodeOutput) throws -> Bool {
            guard !sent else { return false }
            sent = true
            try output.emit(.transcript(segments))
            return true
        }
    }

    static let clip = Bundle.module.url(forResource: "Fixtures/whisper/clip1", withExtension: "wav")!

    /// A sure sentence at 1–2 s, an unsure one at 5–6 s.
    static let transcript = [
        TranscriptSegment(start: 1.2, end: 1.9, text: " press the pants", averageLogProbability: -0.2, noSpeechProbability: 0.02,
                          words: [TranscriptWord(word: " press", start: 1.2, end: 1.4, probability: 0.9),
                                  TranscriptWord(word: " the", start: 1.4, end: 1.5, probability: 0.9),
                                  TranscriptWord(word: " pants", start: 1.5, end: 1.9, probability: 0.9)]),
        TranscriptSegment(start: 5.2, end: 5.8, text: " thank you", averageLogProbability: -1.2, noSpeechProbability: 0.5,
                          words: [TranscriptWord(word: " thank", start: 5.2, end: 5.5, probability: 0.3),
                                  TranscriptWord(word: " you", start: 5.5, end: 5.8, probability: 0.3)]),
    ]

    func run(gate: Bool, speech: [Segment], voiced: [Segment]?) throws -> [TranscriptSegment] {
        var harness = GraphHarness()
        try harness.graph.add("text", TranscriptSource(segments: Self.transcript))
        try harness.graph.add("speech", SegmentSource(segments: speech))
        try harness.add("speakers", "assign-speakers", ["gate": .bool(gate)])
        try harness.connect("text.transcript", to: "speakers.transcript")
        try harness.connect("speech.segments", to: "speakers.speech")
        if let voiced {
            try harness.graph.add("voiced", SegmentSource(segments: voiced))
            try harness.connect("voiced.segments", to: "speakers.voiced")
        }
        let out = try harness.collect("out", from: "speakers.transcript")
        _ = try harness.run(on: Self.clip)
        return out.packets.flatMap { packet -> [TranscriptSegment] in
            if case .transcript(let segments) = packet { return segments }
            return []
        }
    }

    /// talk9: with `gate: false` an empty speech map still dropped every word.
    @Test func gateOffKeepsEverythingEvenWithAnEmptyMap() throws {
        let kept = try run(gate: false, speech: [], voiced: nil)
        #expect(kept.map(\.text) == [" press the pants", " thank you"], "\(kept)")
        #expect(kept.allSatisfy { $0.speaker == SpeechMap.offScreen })
        #expect(try run(gate: true, speech: [], voiced: nil).isEmpty)
    }

    /// The fusion's `voiced` stretches reach the rule: the sure sentence on them is kept, the unsure one dropped.
    @Test func voicedInputKeepsOnlySureText() throws {
        let voiced = [Segment(start: 1.0, end: 2.1, label: SpeechMap.voice, score: 0.9), Segment(start: 5.0, end: 6.0, label: SpeechMap.voice, score: 0.9)]
        let kept = try run(gate: true, speech: [], voiced: voiced)
        #expect(kept.map(\.text) == [" press the pants"], "\(kept)")
    }
}
