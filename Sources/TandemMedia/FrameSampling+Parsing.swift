extension FrameSampling {
    /// Parses the short form used on the command line: `all`, `keyframes`, `fps:2`, `uniform:8`,
    /// `segments:8`, `clips:COUNTxFRAMESxSTRIDE` (e.g. `clips:1x8x32`), `timestamps:0.5,1,2.25`,
    /// `scene:0.3`. Returns `nil` for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let argument = parts.count > 1 ? parts[1] : nil
        func count() -> Int? { argument.flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } }
        switch parts.first?.lowercased() {
        case "all" where argument == nil: self = .all
        case "keyframes" where argument == nil: self = .keyframes
        case "fps":
            guard let rate = argument.flatMap(Double.init), rate > 0, rate.isFinite else { return nil }
            self = .fps(rate)
        case "uniform":
            guard let n = count() else { return nil }
            self = .uniform(count: n)
        case "segments":
            guard let n = count() else { return nil }
            self = .segments(count: n)
        case "clips":
            let numbers = (argument ?? "").split(separator: "x").compactMap { Int($0) }
            guard numbers.count == 3, numbers.allSatisfy({ $0 > 0 }) else { return nil }
            self = .clips(count: numbers[0], frames: numbers[1], stride: numbers[2])
        case "timestamps":
            let times = (argument ?? "").split(separator: ",").map { Double($0) }
            guard !times.isEmpty, times.allSatisfy({ $0 != nil }) else { return nil }
            self = .timestamps(times.map { $0! })
        case "scene":
            guard let threshold = argument.map(Double.init) ?? 0.3, threshold >= 0, threshold <= 1 else { return nil }
            self = .scene(threshold: threshold)
        default:
            return nil
        }
    }
}
