import Foundation
import TandemCore
import TandemMedia

// Putting new sound on a video (write-video's audio port). Input: bench60.mp4 from
// Tools/bench/make_media_bench_inputs.sh (60 s 640x360 30 fps H.264); the sound is 60 s of a
// 16 kHz mono sine (AudioLDM's rate), given in 4096-sample chunks as a pipeline gives it.
// Peers: Tools/bench/mux_peers.py (PyAV, and the ffmpeg command line) on the same input.
//
//   mux60-copy     copy the video stream packet for packet + encode the sound to AAC 128k, into an MP4
//   aac60          only the AAC encoding of that sound, into an m4a (what the copy adds on top)
let muxBenchSuite = BenchSuite(name: "mux") {
    let directory = ProcessInfo.processInfo.environment["TANDEM_BENCH_DIR"] ?? "/tmp/tandem-bench"
    try makeMediaBenchInputs(directory)
    let source = URL(fileURLWithPath: directory + "/bench60.mp4")
    let output = URL(fileURLWithPath: directory + "/mux-out")
    try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
    let rate = 16_000
    let chunks = stride(from: 0, to: 60 * rate, by: 4096).map { start in
        let count = min(4096, 60 * rate - start)
        let samples = (0..<count).map { Float(0.5 * sin(2 * Double.pi * 440 * Double(start + $0) / Double(rate))) }
        return AudioBuffer(sampleRate: rate, channelLayout: "mono", firstSample: Int64(start), channels: [SharedArray(samples)])
    }
    return [
        BenchCase(name: "mux60-copy", units: 60, unitName: "s of video") {
            let writer = try VideoFileWriter(url: output.appendingPathComponent("copy.mp4"), copyingVideoFrom: source)
            for chunk in chunks { try writer.write(chunk) }
            try writer.finish()
        },
        BenchCase(name: "aac60", units: 60, unitName: "s of audio") {
            let writer = try AudioFileWriter(url: output.appendingPathComponent("sound.m4a"), sampleRate: rate, channels: 1)
            for chunk in chunks { try writer.write(chunk) }
            try writer.finish()
        },
    ]
}
