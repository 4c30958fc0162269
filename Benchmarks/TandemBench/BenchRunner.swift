import Foundation

/// One timed case: `run` does the work once; `setUp` prepares inputs outside the timing.
struct BenchCase: Sendable {
    var name: String
    /// Units of work per run (frames, packets, seconds of audio) for a throughput figure.
    var units: Double = 1
    var unitName: String = "runs"
    var run: @Sendable () throws -> Void
}

/// A named group of cases; `makeCases` runs once, before timing, so inputs are built outside it.
struct BenchSuite: Sendable {
    var name: String
    var makeCases: @Sendable () throws -> [BenchCase]
}

enum BenchRunner {
    /// Runs each case `repeat` times after one warm-up and prints the median, min and throughput.
    static func main(suites: [BenchSuite], arguments: [String]) {
        var repeats = 5
        var selected: [String] = []
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            if argument == "--repeat", let n = iterator.next().flatMap(Int.init) { repeats = n } else { selected.append(argument) }
        }
        for suite in suites where selected.isEmpty || selected.contains(suite.name) {
            do {
                for benchCase in try suite.makeCases() {
                    try benchCase.run()
                    var times: [Double] = []
                    var cpuTimes: [Double] = []
                    for _ in 0..<repeats {
                        let cpu = runnerCPUSeconds()
                        let start = DispatchTime.now().uptimeNanoseconds
                        try benchCase.run()
                        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                        cpuTimes.append(runnerCPUSeconds() - cpu)
                    }
                    let runs = times
                    times.sort()
                    let median = times[times.count / 2]
                    let line = String(format: "%@/%@: median %.4f s, min %.4f s, %.1f %@/s (n=%d)",
                                      suite.name, benchCase.name, median, times[0], benchCase.units / median,
                                      benchCase.unitName, repeats)
                    print(line)
                    // Every timed run, in order, wall then CPU seconds (user + system, all threads), for scripts that
                    // pool runs of several processes (media_peers.py --side-by-side).
                    if ProcessInfo.processInfo.environment["TANDEM_BENCH_TIMES"] == "1" {
                        print("\(suite.name)/\(benchCase.name): times " + runs.map { String(format: "%.5f", $0) }.joined(separator: " "))
                        print("\(suite.name)/\(benchCase.name): cpu " + cpuTimes.map { String(format: "%.5f", $0) }.joined(separator: " "))
                    }
                }
                // The high-water mark of the whole process so far: loading and every case of the suites run until now.
                var usage = rusage()
                getrusage(RUSAGE_SELF.rawValue, &usage)
                print(String(format: "%@/peak RSS: %.0f MB", suite.name, Double(usage.ru_maxrss) / 1024))
            } catch {
                print("\(suite.name): failed: \(error)")
            }
        }
    }
}

/// User + system CPU seconds of the whole process so far (every thread).
private func runnerCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
