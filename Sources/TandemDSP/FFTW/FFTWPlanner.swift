import CFFTW
import Foundation

/// The process-wide cache of FFTW plans, one per (size, direction).
///
/// FFTW's planner is not thread-safe, so every plan creation and destruction happens under
/// `lock`; executing a finished plan needs no lock. Plans live for the whole process: an STFT
/// made twice with the same size plans once.
enum FFTWPlanner {
    /// How hard FFTW searches for a fast algorithm when planning.
    enum Rigor: Sendable {
        /// `FFTW_ESTIMATE`: no trial runs; planning takes microseconds.
        case estimate
        /// `FFTW_MEASURE`: times a few algorithms; planning takes milliseconds, execution is faster.
        case measure

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
    }

    /// Serialises FFTW's planner (plan creation and destruction).
    static let lock = NSLock()
    // Safe: read and written only with `lock` held.
    nonisolated(unsafe) private static var plans: [Key: FFTWPlan] = [:]

    /// The plan for `size` points in `direction`, planned on first use with FFTW_MEASURE.
    ///
    /// FFTW_MEASURE was chosen by benchmark: for n_fft 1024 the measured plan runs the STFT
    /// faster than the estimated one, and planning (a few ms per size) happens once per process.
    /// Planning blocks; callers create their transforms once, up front, not per chunk.
    /// - Throws: `DSPError` with code `.planFailed` when FFTW returns no plan.
    static func plan(size: Int, direction: FFTWPlan.Direction, rigor: Rigor = .measure) throws -> FFTWPlan {
        try lock.withLock {
            let key = Key(size: size, direction: direction)
            if let plan = plans[key] { return plan }
            let plan = try FFTWPlan(size: size, direction: direction, flags: rigor.flags)
            plans[key] = plan
            return plan
        }
    }
}
