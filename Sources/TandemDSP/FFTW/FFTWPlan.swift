import CFFTW
import Foundation

/// One FFTW single-precision plan, owned: the plan is destroyed in `deinit`.
///
/// A plan is immutable after creation and FFTW documents `fftwf_execute_dft_r2c` /
/// `fftwf_execute_dft_c2r` on new arrays as thread-safe, so one plan serves every thread as
/// long as each thread brings its own buffers with the alignment the plan was made for
/// (all of ours come from `fftwf_malloc`, see `FFTWBuffer`). That is why the class is
/// `@unchecked Sendable`: nothing in it mutates after `init`.
final class FFTWPlan: @unchecked Sendable {
    /// Which real transform the plan computes.
    enum Direction: Hashable, Sendable {
        /// Real → half-complex spectrum (`fftwf_plan_dft_r2c_1d`), `size / 2 + 1` bins, unscaled.
        case forward
        /// Half-complex spectrum → real (`fftwf_plan_dft_c2r_1d`), unscaled (the result is `size ×` the signal).
        case inverse
    }

    let size: Int
    let direction: Direction
    private let plan: OpaquePointer

    /// Plans a transform of `size` points. Call only with `FFTWPlanner.lock` held: FFTW's planner
    /// shares global state and is not thread-safe.
    init(size: Int, direction: Direction, flags: UInt32) throws {
        self.size = size
        self.direction = direction
        // Planning with FFTW_MEASURE overwrites the arrays, so plan on scratch buffers of the
        // same alignment as the ones used later.
        let real = FFTWBuffer(realCount: size)
        let spectrum = FFTWBuffer(complexCount: size / 2 + 1)
        let made: OpaquePointer?
        switch direction {
        case .forward:
            made = fftwf_plan_dft_r2c_1d(Int32(size), real.real, spectrum.complex, flags)
        case .inverse:
            made = fftwf_plan_dft_c2r_1d(Int32(size), spectrum.complex, real.real, flags | UInt32(FFTW_DESTROY_INPUT))
        }
        guard let made else {
            throw DSPError(.planFailed, "FFTW could not plan a \(direction) transform of \(size) points")
        }
        plan = made
    }

    deinit {
        // fftwf_destroy_plan touches the planner's shared state too.
        FFTWPlanner.lock.withLock { fftwf_destroy_plan(plan) }
    }

    /// Transforms `size` real samples into `size / 2 + 1` complex bins.
    ///
    /// The corresponding C function is `fftwf_execute_dft_r2c`. Both buffers must come from
    /// `fftwf_malloc` (16-byte SIMD alignment, as at planning time).
    /// - Complexity: O(n log n) for every `n`, including sizes with large prime factors.
    @inline(__always)
    func forward(_ input: UnsafeMutablePointer<Float>, _ output: UnsafeMutablePointer<fftwf_complex>) {
        assert(direction == .forward)
        fftwf_execute_dft_r2c(plan, input, output)
    }

    /// Transforms `size / 2 + 1` complex bins back to `size` real samples, unscaled; `input` is destroyed.
    ///
    /// The corresponding C function is `fftwf_execute_dft_c2r`.
    @inline(__always)
    func inverse(_ input: UnsafeMutablePointer<fftwf_complex>, _ output: UnsafeMutablePointer<Float>) {
        assert(direction == .inverse)
        fftwf_execute_dft_c2r(plan, input, output)
    }
}
