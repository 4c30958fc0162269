import CFFTW

/// Per-thread scratch for turning one complex frame into a windowed time frame.
final class FrameSynthesizer {
    let plan: FFTWPlan
    let window: [Float]
    let bins: Int
    let scale: Float
    let spectrum: FFTWBuffer
    let time: FFTWBuffer

    init(_ inverse: InverseSTFT) {
        let n = inverse.configuration.fftSize
        plan = inverse.plan
        window = inverse.window
        bins = inverse.configuration.binCount
        // FFTW's c2r is unscaled (returns n · x); `normalized` frames were scaled by 1/√n.
        scale = inverse.configuration.normalized ? 1 / Float(n).squareRoot() : 1 / Float(n)
        spectrum = FFTWBuffer(complexCount: bins)
        time = FFTWBuffer(realCount: n)
    }

    /// The windowed inverse transform of the `2 · bins` floats at `frame`; valid until the next call.
    func synthesize(_ frame: UnsafePointer<Float>) -> UnsafeMutablePointer<Float> {
        spectrum.real.update(from: frame, count: 2 * bins)
        plan.inverse(spectrum.complex, time.real)
        let out = time.real
        for i in 0..<window.count { out[i] *= window[i] * scale }
        return out
    }
}
