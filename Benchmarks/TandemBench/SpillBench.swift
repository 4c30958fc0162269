import Foundation
import TandemMedia

/// The separator's audio spill (`AudioSpill` over `FloatSpill`): a long recording's stereo 44.1 kHz audio
/// written a second at a time, as the decoder hands it over, then read back ten seconds at a time, as the
/// separator attributes it. Units: seconds of audio, so the throughput is how many times faster than
/// real time the spill goes. The spill's directory is $TMPDIR's, as in `tandem separate`.
///
///   spill-20min    20 minutes (423 MB on disk while it lives)
let spillBenchSuite = BenchSuite(name: "spill") {
    let rate = 44100, minutes = 20
    let second = (0..<(rate * 2)).map { Float(sin(Double($0) * 0.01)) }
    return [BenchCase(name: "spill-\(minutes)min", units: Double(minutes * 60), unitName: "s of audio") {
        let spill = try FloatSpill(width: 2)
        for _ in 0..<(minutes * 60) { try spill.append(second) }
        var checksum: Float = 0
        for start in stride(from: 0, to: spill.rowCount, by: rate * 10) {
            checksum += try spill.read(start..<min(spill.rowCount, start + rate * 10))[0]
        }
        spill.remove()
        precondition(checksum.isFinite)
    }]
}
