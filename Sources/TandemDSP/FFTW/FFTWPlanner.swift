import CFFTW
import Foundation

/// The process-wide cache of FFTW plans, one per (size, direction).
///
/// FFTW's planner is not thread-safe, so every plan creation and destruction happens under
/// `lock`; executing a finished plan needs no lock. Plans live for the whole process: an STFT
/// made twice with the same size plans once.
enum FFTWPlanner {
    /// How hard FFTW searches for a fast algorithm when planning.
    enum Rigor: Sendable, Hashable {
        /// `FFTW_ESTIMATE`: no trial runs; planning takes microseconds.
        case estimate
        /// `FFTW_MEASURE`: times a few algorithms; planning takes milliseconds, execution is faster.
        case measure

        init(_ planning: STFTConfiguration.Planning) {
            self = planning == .measure ? .measure : .estimate
        }

        var flags: UInt32 {
            switch self {
            case .estimate: UInt32(FFTW_ESTIMATE)
            case .measure: UInt32(FFTW_MEASURE)
            }
        }
    }

    private struct Key: Hashable {
        var size: Int
        var direction: FFTWPlan.Direction
        var rigor: Rigor
    }

    /// Serialises FFTW's planner (plan creation and destruction).
    static let lock = NSLock()
    // Safe: read and written only with `lock` held.
    nonisolated(unsafe) private static var plans: [Key: FFTWPlan] = [:]

    /// The plan for `size` points in `direction`, planned on first use.
    ///
    /// FFTW_ESTIMATE is the default because its choice of algorithm never depends on timing, so a
    /// transform gives the same bits in every run. FFTW_MEASURE picks by timing (0.1–0.5 s once per
    /// size, direction and process) and can pick differently under another load; whole STFTs ran
    /// no faster with it for n_fft 1024 and 14 % faster for 1022 (`tandem-bench dsp`). Planning
    /// blocks: create transforms once, up front and off the cooperative thread pool, never per chunk.
    /// - Throws: `DSPError` with code `.planFailed` when FFTW returns no plan.
    static func plan(size: Int, direction: FFTWPlan.Direction, rigor: Rigor = .estimate) throws -> FFTWPlan {
        try lock.withLock {
            let key = Key(size: size, direction: direction, rigor: rigor)
            if let plan = plans[key] { return plan }
            let plan = try FFTWPlan(size: size, direction: direction, flags: rigor.flags)
            plans[key] = plan
            return plan
        }
    }
}
