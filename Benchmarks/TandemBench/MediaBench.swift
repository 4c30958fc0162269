import Foundation
import TandemMedia

// Benchmarks of the media layer. Inputs are made once by Tools/bench/make_media_bench_inputs.sh
// into /tmp/tandem-bench (or $TANDEM_BENCH_DIR); the Python peers (Tools/bench/media_peers.py)
// time PyAV on the same files.
//
//   decode60            full decode of 60 s 640x360 30 fps H.264, no pixel conversion
//   decode60-rgb224     full decode + rgb24 224x224 (what a model consumes), bilinear
//   decode60-rgb224-fastbilinear   the same with libswscale's two-tap fast bilinear
//   uniform8-10min      8 frame-exact frames spread over a 10-minute file (index + seeks)
//   keyframes-10min     key frames only of the 10-minute file
//   decode600           full decode of the 10-minute file, for the ratios
//
// Before the timings it prints, once: where uniform(8)'s time goes (index, seeks, frames decoded) and
// the wall and CPU time of one run of each case (CPU time is steadier on a shared machine). With
// TANDEM_BENCH_LONG=1 it also decodes a 60-minute file and prints its peak RSS after 1 minute and at the end.
let mediaBenchSuite = BenchSuite(name: "media") {
    let directory = ProcessInfo.processInfo.environment["TANDEM_BENCH_DIR"] ?? "/tmp/tandem-bench"
    try makeMediaBenchInputs(directory)
    let short = URL(fileURLWithPath: directory + "/bench60.mp4")
    let long = URL(fileURLWithPath: directory + "/bench600.mp4")
    // FFmpeg's automatic count, as PyAV's thread_type AUTO; TANDEM_BENCH_THREADS=N to compare.
    let threads = ProcessInfo.processInfo.environment["TANDEM_BENCH_THREADS"].flatMap(Int.init) ?? 0

    @Sendable func decodeOnly(_ url: URL) throws -> Int { try decodeFrames(url, threads: threads) }
    // TANDEM_BENCH_CASES=uniform8-10min,decode600 times only those cases, without the preamble
    // (Tools/bench/media_peers.py --side-by-side runs one such process per round, alternating with PyAV).
    let only = ProcessInfo.processInfo.environment["TANDEM_BENCH_CASES"].map { Set($0.split(separator: ",").map(String.init)) }
    let shortFrames = only == nil || only!.contains(where: { $0.hasPrefix("decode60") }) ? Double(try decodeOnly(short)) : 1800
    if let only {
        if only.contains("describe") { try describeSparseSampling(long) }
        return mediaCases(short: short, long: long, shortFrames: shortFrames, threads: threads).filter { only.contains($0.name) }
    }
    try describeSparseSampling(long)
    // CPU time is steadier than wall time when other jobs share the machine: print it once per case.
    for (name, body) in [("decode60", { _ = try decodeOnly(short) }),
                         ("decode60-rgb224", { _ = try drain(FrameReader(url: short, options: VideoDecodeOptions(resize: .exact(width: 224, height: 224), threads: threads))) }),
                         ("uniform8-10min", { _ = try drain(FrameReader(url: long, sampling: .uniform(count: 8), options: VideoDecodeOptions(threads: threads))) }),
                         ("keyframes-10min", { _ = try drain(FrameReader(url: long, sampling: .keyframes, options: VideoDecodeOptions(threads: threads))) })]
        as [(String, () throws -> Void)] {
        let (wall, cpu) = try measureCPU(body)
        print(String(format: "media/%@: one run: wall %.3f s, CPU %.3f s (user + system, all threads)", name, wall, cpu))
    }
    if ProcessInfo.processInfo.environment["TANDEM_BENCH_LONG"] == "1" { try checkLongFileMemory(directory) }
    return mediaCases(short: short, long: long, shortFrames: shortFrames, threads: threads)
}

/// Decodes every frame of `url` without converting any: the decode-only rate.
private func decodeFrames(_ url: URL, threads: Int) throws -> Int {
    let reader = try FrameReader(url: url, options: VideoDecodeOptions(threads: threads))
    var frames = 0
    while try reader.skip() { frames += 1 }
    return frames
}

/// Reads every frame `reader` selects, converted.
private func drain(_ reader: FrameReader) throws -> Int {
    var frames = 0
    while try reader.next() != nil { frames += 1 }
    return frames
}

/// The timed cases of the media suite.
private func mediaCases(short: URL, long: URL, shortFrames: Double, threads: Int) -> [BenchCase] {
    @Sendable func decodeOnly(_ url: URL) throws -> Int { try decodeFrames(url, threads: threads) }
    return [
        BenchCase(name: "decode60", units: shortFrames, unitName: "frames") { _ = try decodeOnly(short) },
        BenchCase(name: "decode60-rgb224", units: shortFrames, unitName: "frames") {
            let options = VideoDecodeOptions(layout: .rgb24, resize: .exact(width: 224, height: 224), threads: threads)
            _ = try drain(FrameReader(url: short, options: options))
        },
        BenchCase(name: "decode60-rgb224-fastbilinear", units: shortFrames, unitName: "frames") {
            let options = VideoDecodeOptions(layout: .rgb24, resize: .exact(width: 224, height: 224), threads: threads, interpolation: .fastBilinear)
            _ = try drain(FrameReader(url: short, options: options))
        },
        BenchCase(name: "uniform8-10min", units: 8, unitName: "frames") {
            let frames = try drain(FrameReader(url: long, sampling: .uniform(count: 8), options: VideoDecodeOptions(threads: threads)))
            precondition(frames == 8)
        },
        BenchCase(name: "keyframes-10min", units: 1, unitName: "files") {
            _ = try drain(FrameReader(url: long, sampling: .keyframes, options: VideoDecodeOptions(threads: threads)))
        },
        BenchCase(name: "decode600", units: 18000, unitName: "frames") { _ = try decodeOnly(long) },
    ]
}

/// Wall and CPU seconds (user + system, every thread of the process) of one call of `body`.
private func measureCPU(_ body: () throws -> Void) throws -> (Double, Double) {
    func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
    let cpu0 = cpuSeconds(), wall0 = DispatchTime.now().uptimeNanoseconds
    try body()
    return (Double(DispatchTime.now().uptimeNanoseconds - wall0) / 1e9, cpuSeconds() - cpu0)
}

/// Runs Tools/bench/make_media_bench_inputs.sh when the inputs are missing.
func makeMediaBenchInputs(_ directory: String) throws {
    let files = ["bench60.mp4", "bench600.mp4"].map { directory + "/" + $0 }
    guard !files.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else { return }
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Tools/bench/make_media_bench_inputs.sh").standardized.path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [script, directory]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "\(script) failed"])
    }
}

/// Prints where the time of `uniform(8)` goes (packet index, seeks, frames decoded), once, before the timings.
private func describeSparseSampling(_ url: URL) throws {
    var start = DispatchTime.now().uptimeNanoseconds
    func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { start = now }
        return Double(now - start) / 1e9
    }
    _ = try FrameReader(url: url, sampling: .all)
    let openTime = lap()
    func bytesRead() -> Int {
        let text = (try? String(contentsOfFile: "/proc/self/io", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").first { $0.hasPrefix("rchar:") }.flatMap { Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces)) } ?? -1
    }
    let before = bytesRead()
    var reader: FrameReader?
    let (_, indexCPU) = try measureCPU { reader = try FrameReader(url: url, sampling: .uniform(count: 8)) }
    let indexTime = lap()
    print(String(format: "media: the packet index read %d MB, CPU %.3f s", (bytesRead() - before) / 1_000_000, indexCPU))
    guard let reader else { return }
    print(String(format: "media: opening %@ for a full decode takes %.3f s", url.lastPathComponent, openTime))
    var indices: [Int] = []
    while let frame = try reader.next() { indices.append(frame.frameIndex) }
    print(String(format: "media: uniform(8) on %@: open + packet index %.3f s (%d frames), seek + decode %.3f s; %d seeks, %d frames decoded for %@",
                 url.lastPathComponent, indexTime, reader.frameCount ?? -1, lap(), reader.seekCount, reader.decodedFrameCount, "\(indices)"))
}

/// With TANDEM_BENCH_LONG=1: decodes a 60-minute file (six copies of the 10-minute one, joined without
/// re-encoding) to rgb24 224x224 and prints the peak RSS after 1 minute of video and at the end.
private func checkLongFileMemory(_ directory: String) throws {
    let long = directory + "/bench3600.mp4"
    if !FileManager.default.fileExists(atPath: long) {
        let list = directory + "/concat.txt"
        try String(repeating: "file 'bench600.mp4'\n", count: 6).write(toFile: list, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = ["-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i", list, "-c", "copy", long]
        try process.run()
        process.waitUntilExit()
    }
    func peakRSS() -> Int {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss / 1024
    }
    let reader = try FrameReader(url: URL(fileURLWithPath: long), options: VideoDecodeOptions(resize: .exact(width: 224, height: 224)))
    var frames = 0
    var early = 0
    let start = DispatchTime.now().uptimeNanoseconds
    while try reader.next() != nil {
        frames += 1
        if frames == 1800 { early = peakRSS() }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print(String(format: "media: 60-minute file, %d frames to rgb24 224x224 in %.1f s: peak RSS %d MB after 1 minute, %d MB at the end",
                 frames, seconds, early, peakRSS()))
}
