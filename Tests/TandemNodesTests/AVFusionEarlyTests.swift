import Foundation
import Testing
import TandemCore
@testable import TandemNodes

/// `av-fusion` hands recognition its audio and windows as soon as the audio ends when the picture
/// cannot change them, so `whisper` runs beside the vision nodes instead of after them.
///
/// The lips here come from a source that waits until the node reading `fusion.windows` has finished:
/// the windows must therefore be sent (and their output ended) before the lips arrive. With
/// `enhance` (the audio out depends on the picture's silences) they cannot be, and the source gives up
/// waiting after a moment.
@Suite struct AVFusionEarlyTests {
    /// 2 s of 16 kHz mono: 0.5 s of faint noise, 1 s of a loud 200 Hz tone, 0.5 s of faint noise, in 4 chunks.
    struct AudioSource: Node {
        static let descriptor = NodeDescriptor(kind: "test-audio", doc: "2 s of audio", outputs: [PortSpec("audio", .audio)])
        var chunk = 0
        mutating func produce(output: NodeOutput) throws -> Bool {
            guard chunk < 4 else { return false }
            let first = chunk * 8000
            let samples = (first..<(first + 8000)).map { i -> Float in
                let noise = Float(((i * 7919) % 1000)) / 1000 * 0.002 - 0.001
                return (8000..<24000).contains(i) ? 0.3 * sin(2 * .pi * 200 * Float(i) / 16000) + noise : noise
            }
            try output.emit(.audio(AudioBuffer(sampleRate: 16000, channelLayout: "mono", firstSample: Int64(first), channels: [SharedArray(samples)])))
            chunk += 1
            return true
        }
    }

    /// Emits one lip stretch once `gate` is signalled or `seconds` have passed; records which.
    struct GatedLips: Node {
        static let descriptor = NodeDescriptor(kind: "test-lips", doc: "late lips", outputs: [PortSpec("speech", .segments)])
        let gate: DispatchSemaphore
        let opened: PacketCollector.Box
        let seconds: Double
        var done = false
        mutating func produce(output: NodeOutput) throws -> Bool {
            guard !done else { return false }
            let signalled = gate.wait(timeout: .now() + seconds) == .success
            opened.append(.segments([Segment(start: 0, end: 0, label: signalled ? "opened" : "timed out")]))
            try output.emit(.segments([Segment(start: 0.5, end: 1.5, label: "face0")]))
            done = true
            return false
        }
    }

    /// Collects what it receives and signals `gate` at its end.
    struct SignallingCollector: Node {
        static let descriptor = NodeDescriptor(kind: "test-signal", doc: "signals at its end", inputs: [PortSpec("in", .any)])
        let gate: DispatchSemaphore
        let box: PacketCollector.Box
        mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws { box.append(packet) }
        mutating func finish(output: NodeOutput) throws { gate.signal() }
    }

    func run(enhance: Bool, wait seconds: Double, usePicture: Bool = true)
        throws -> (opened: String, windows: [Segment], speech: [Segment], speakers: [Segment], audio: Int) {
        var harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let gate = DispatchSemaphore(value: 0)
        let opened = PacketCollector.Box(), windows = PacketCollector.Box()
        try harness.graph.add("audio", AudioSource())
        try harness.graph.add("lips", GatedLips(gate: gate, opened: opened, seconds: seconds))
        try harness.add("fusion", "av-fusion", ["vad_model": .string(""), "enhance": .bool(enhance), "enhance_below_snr": .double(100),
                                                "use_picture": .bool(usePicture)])
        try harness.graph.add("recognition", SignallingCollector(gate: gate, box: windows))
        try harness.connect("audio.audio", to: "fusion.audio")
        try harness.connect("lips.speech", to: "fusion.lips")
        try harness.connect("fusion.windows", to: "recognition.in")
        let speech = try harness.collect("c-speech", from: "fusion.speech")
        let speakers = try harness.collect("c-speakers", from: "fusion.speakers")
        let audio = try harness.collect("c-audio", from: "fusion.audio")
        let input = harness.root.appendingPathComponent("in.wav")
        try FileManager.default.createDirectory(at: harness.root, withIntermediateDirectories: true)
        try Data().write(to: input)
        _ = try harness.run(on: input)
        func segments(_ box: PacketCollector.Box) -> [Segment] {
            box.packets.flatMap { (p: Packet) -> [Segment] in if case .segments(let s) = p { return s } else { return [] } }
        }
        return (segments(opened).first?.label ?? "", segments(windows), segments(speech), segments(speakers),
                audio.packets.audio.map(\.frameCount).reduce(0, +))
    }

    @Test func windowsAreSentBeforeTheLipsCome() throws {
        let early = try run(enhance: false, wait: 20)
        #expect(early.opened == "opened")
        #expect(early.windows.map { [$0.start, $0.end] } == [[0, 2]])
        #expect(early.audio == 32000)
        // The picture still names the speech once it comes.
        #expect(early.speech.contains { $0.label == "face0" })
    }

    @Test func withEnhancementTheWindowsWaitForThePicture() throws {
        let late = try run(enhance: true, wait: 1)
        #expect(late.opened == "timed out")
        #expect(late.windows.map { [$0.start, $0.end] } == [[0, 2]])
        #expect(late.audio == 32000)
    }

    /// The lips name speakers through `speakers` (what `assign-speakers` reads): every lip stretch without the mouths'
    /// openings, and none with `use_picture: false`, whose words are all off-screen as its note says.
    @Test func withoutThePictureTheLipsNameNobody() throws {
        let seen = try run(enhance: false, wait: 20)
        #expect(seen.speakers.map(\.label) == ["face0"], "\(seen.speakers)")
        let unseen = try run(enhance: false, wait: 20, usePicture: false)
        #expect(unseen.speakers.isEmpty, "\(unseen.speakers)")
        #expect(!unseen.speech.isEmpty && unseen.speech.allSatisfy { $0.label == "off-screen" }, "\(unseen.speech)")
    }
}
