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
    let inputChannels: Int
    /// Samples fed in and handed out since the stream (re)started: a drain tops the output up to the
    /// length the input implies.
    private var fedSamples: Int64 = 0
    private var returnedSamples: Int64 = 0

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
        inputChannels = Int(inputLayout.nb_channels)
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
        var written: Int32
        if let frame {
            written = frame.pointer.pointee.extended_data.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: outputChannels) {
                swr_convert(pointer, output, Int32(capacity), $0, Int32(frame.sampleCount))
            }
            fedSamples += Int64(frame.sampleCount)
        } else {
            written = swr_convert(pointer, output, Int32(capacity), nil, 0)
            if written >= 0 { written += try topUp(after: Int(written), into: output, capacity: capacity, path: path) }
        }
        if written < 0 { throw MediaError(ffmpeg: written, path: path, operation: "resample", code: .other) }
        returnedSamples += Int64(written)
        if frame == nil { (fedSamples, returnedSamples) = (0, 0) }
        return Int(written)
    }

    /// At the end of a stream shorter than the filter (a few milliseconds), libswresample's drain gives
    /// nothing back: its output waits for input that never comes. Pushes silence through and keeps the
    /// samples the real input implies (`fed × outputRate / inputRate`), so a tiny file is not lost.
    /// - Returns: the samples added after the first `already` of the drain.
    private func topUp(after already: Int, into output: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, capacity: Int, path: String) throws -> Int32 {
        let expected = fedSamples * Int64(outputRate) / Int64(inputRate)
        let missing = min(Int(expected - returnedSamples) - already, capacity - already)
        guard missing > 0 else { return 0 }
        let padding = try silence(count: max(1024, inputRate / 20), path: path)
        // Output planes are Float32: continue each one after the samples the drain wrote.
        var shifted = (0..<outputChannels).map { Optional(UnsafeMutablePointer<UInt8>(output[$0]!) + already * 4) }
        var added = padding.pointer.pointee.extended_data.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: inputChannels) {
            swr_convert(pointer, &shifted, Int32(missing), $0, Int32(padding.sampleCount))
        }
        if added < 0 { throw MediaError(ffmpeg: added, path: path, operation: "resample", code: .other) }
        if added < Int32(missing) {
            var further = shifted.map { $0.map { $0 + Int(added) * 4 } }
            let drained = swr_convert(pointer, &further, Int32(missing) - added, nil, 0)
            if drained > 0 { added += drained }
        }
        added = min(added, Int32(missing))
        return added
    }

    /// `count` samples of silence in this resampler's input format (its rate, layout and sample format),
    /// to fill a gap in a stream's timestamps or push the last samples out of the filter.
    /// The corresponding C functions are `av_frame_get_buffer` and `av_samples_set_silence`.
    func silence(count: Int, path: String) throws -> FFFrame {
        let frame = FFFrame()
        frame.pointer.pointee.format = inputFormat
        frame.pointer.pointee.sample_rate = Int32(inputRate)
        frame.pointer.pointee.nb_samples = Int32(count)
        av_channel_layout_default(&frame.pointer.pointee.ch_layout, Int32(inputChannels))
        let status = av_frame_get_buffer(frame.pointer, 0)
        if status < 0 { throw MediaError(ffmpeg: status, path: path, operation: "allocate silence", code: .other) }
        av_samples_set_silence(frame.pointer.pointee.extended_data, 0, Int32(count), Int32(inputChannels), AVSampleFormat(rawValue: inputFormat))
        return frame
    }

    /// FFmpeg's name for a layout (`mono`, `stereo`, `5.1`). The C function is `av_channel_layout_describe`.
    static func layoutName(_ layout: AVChannelLayout) -> String {
        var layout = layout
        var buffer = [CChar](repeating: 0, count: 128)
        return av_channel_layout_describe(&layout, &buffer, buffer.count) < 0 ? "\(layout.nb_channels) channels" : stringFromCBuffer(buffer)
    }
}
