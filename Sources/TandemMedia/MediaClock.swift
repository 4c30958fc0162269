import CFFmpeg
import TandemCore

/// The shared clock of one file, so audio and video positions line up.
///
/// The rule: time 0 is the file's earliest start time (`AVFormatContext.start_time`, the
/// minimum over its streams). A video frame's `seconds` is its pts on that clock; an audio
/// sample's index is its time on that clock times the output sample rate. A stream that starts
/// later than the file (video 0.5 s after audio, say) therefore starts at a later position,
/// never at 0, and a frame at time t and audio sample round(t · rate) describe the same instant
/// (within one sample period).
struct MediaClock: Sendable {
    /// The origin in microseconds (`AV_TIME_BASE` units).
    let originMicroseconds: Int64

    init(originMicroseconds: Int64) { self.originMicroseconds = originMicroseconds }

    static let microsecond = Rational(1, Int64(tandem_AV_TIME_BASE))

    /// Seconds of `pts` (in `timeBase`) on the file clock.
    func seconds(_ pts: Int64, timeBase: Rational) -> Double {
        Double(pts) * timeBase.doubleValue - Double(originMicroseconds) / Double(tandem_AV_TIME_BASE)
    }

    /// The exact instant of `pts` (in `timeBase`) on the file clock.
    func time(_ pts: Int64, timeBase: Rational) -> MediaTime {
        guard timeBase.numerator > 0 && timeBase.denominator > 0 else { return MediaTime(approximating: seconds(pts, timeBase: timeBase)) }
        let time = MediaTime(pts: pts, timeBase: timeBase)
        return originMicroseconds == 0 ? time : time - MediaTime(ticks: originMicroseconds, unit: MediaClock.microsecond)
    }

    /// The sample index of `pts` (in `timeBase`) on the file clock at `sampleRate`, rounded to nearest.
    func sampleIndex(_ pts: Int64, timeBase: Rational, sampleRate: Int) -> Int64 {
        let rate = Rational(1, Int64(sampleRate))
        return Rational.rescale(pts, from: timeBase, to: rate) - Rational.rescale(originMicroseconds, from: MediaClock.microsecond, to: rate)
    }

    /// The origin expressed in `timeBase` units, rounded to nearest.
    func origin(in timeBase: Rational) -> Int64 {
        Rational.rescale(originMicroseconds, from: MediaClock.microsecond, to: timeBase)
    }
}
