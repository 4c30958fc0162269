import CFFmpeg

/// Owns a `SwrContext` converting decoded audio to planar Float32 at a target rate and layout.
final class FFResampler {
    let pointer: OpaquePointer
    let outputRate: Int
    let outputChannels: Int
    /// The input format this context was built for, to detect mid-stream changes.
    let inputFormat: Int32
    let inputRate: Int
    let inputLayoutName: String

    /// The corresponding C functions are `swr_alloc_set_opts2` and `swr_init`.
    init(input frame: FFFrame, outputLayout: UnsafeMutablePointer<AVChannelLayout>, outputRate: Int, path: String) throws {
        var context: OpaquePointer?
        var inputLayout = frame.pointer.pointee.ch_layout
        if inputLayout.order == AV_CHANNEL_ORDER_UNSPEC {
            // Unspecified layouts (some WAV files) get the default layout for their channel count.
            av_channel_layout_default(&inputLayout, inputLayout.nb_channels)
        }
        var status = swr_alloc_set_opts2(&context, outputLayout, AV_SAMPLE_FMT_FLTP, Int32(outputRate),
                                         &inputLayout, AVSampleFormat(rawValue: frame.format), Int32(frame.sampleRate), 0, nil)
        guard status >= 0, let context else {
            throw MediaError(ffmpeg: status, path: path, operation: "configure resampler", code: .invalidArgument)
        }
        // Down-mixes are normalised so no output channel's gains sum above 1: stereo → mono is the
        // mean (L + R) / 2, as `ffmpeg -ac 1` to 16-bit (what openai/whisper's `load_audio` reads),
        // librosa's `to_mono` and torchaudio do. Float output would otherwise keep swresample's
        // unnormalised √½ gains (3 dB louder than every front end our models were trained with).
        av_opt_set_double(UnsafeMutableRawPointer(context), "rematrix_maxval", 1.0, 0)
        status = swr_init(context)
        if status < 0 {
            var owned: OpaquePointer? = context
            swr_free(&owned)
            throw MediaError(ffmpeg: status, path: path, operation: "configure resampler", code: .invalidArgument)
        }
        pointer = context
        self.outputRate = outputRate
        self.outputChannels = Int(outputLayout.pointee.nb_channels)
        inputFormat = frame.format
        inputRate = frame.sampleRate
        inputLayoutName = FFResampler.layoutName(inputLayout)
    }

    deinit {
        var context: OpaquePointer? = pointer
        swr_free(&context)
    }

    /// True when `frame` has the format this context was built for.
    func accepts(_ frame: FFFrame) -> Bool {
        frame.format == inputFormat && frame.sampleRate == inputRate
            && (frame.pointer.pointee.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC
                || FFResampler.layoutName(frame.pointer.pointee.ch_layout) == inputLayoutName)
    }

    /// An upper bound of the output samples for `inputSamples` more input samples.
    func maxOutput(forInput inputSamples: Int) -> Int { Int(swr_get_out_samples(pointer, Int32(inputSamples))) }

    /// Converts `frame` (or drains the resampler's delay line when `nil`) into `output`, one
    /// pointer per output channel with room for `capacity` samples. Returns the samples written.
    /// The corresponding C function is `swr_convert`.
    func convert(_ frame: FFFrame?, into output: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, capacity: Int, path: String) throws -> Int {
        let written: Int32
        if let frame {
            written = frame.pointer.pointee.extended_data.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: outputChannels) {
                swr_convert(pointer, output, Int32(capacity), $0, Int32(frame.sampleCount))
            }
        } else {
            written = swr_convert(pointer, output, Int32(capacity), nil, 0)
        }
        if written < 0 { throw MediaError(ffmpeg: written, path: path, operation: "resample", code: .other) }
        return Int(written)
    }

    /// FFmpeg's name for a layout (`mono`, `stereo`, `5.1`). The C function is `av_channel_layout_describe`.
    static func layoutName(_ layout: AVChannelLayout) -> String {
        var layout = layout
        var buffer = [CChar](repeating: 0, count: 128)
        return av_channel_layout_describe(&layout, &buffer, buffer.count) < 0 ? "\(layout.nb_channels) channels" : stringFromCBuffer(buffer)
    }
}
