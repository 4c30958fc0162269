import CSndfile

/// Owns a libsndfile `SNDFILE*` opened for writing; closed in `deinit` (or by `close()`).
final class SndfileHandle {
    private var handle: OpaquePointer?
    let path: String
    let channels: Int

    /// Opens `path` for writing with libsndfile's `format` (major | subtype).
    /// The corresponding C function is `sf_open`.
    init(writing path: String, sampleRate: Int, channels: Int, format: Int32) throws {
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = format
        guard sf_format_check(&info) != 0 else {
            throw MediaError(.invalidArgument, path: path, operation: "open for writing",
                             message: "libsndfile cannot write \(channels) channels at \(sampleRate) Hz in format 0x\(String(format, radix: 16))")
        }
        guard let handle = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw MediaError(.io, path: path, operation: "open for writing", message: String(cString: sf_strerror(nil)))
        }
        // No PEAK chunk: libsndfile stamps it with the time of writing, so the same samples written twice
        // would differ in their bytes, and a batch rerun could not be checked by comparing files.
        sf_command(handle, Int32(SFC_SET_ADD_PEAK_CHUNK), nil, Int32(SF_FALSE))
        self.handle = handle
        self.path = path
        self.channels = channels
    }

    deinit { if let handle { sf_close(handle) } }

    /// Writes `frames` interleaved frames. The corresponding C function is `sf_writef_float`.
    func write(interleaved samples: UnsafePointer<Float>, frames: Int) throws {
        guard let handle else { return }
        let written = sf_writef_float(handle, samples, sf_count_t(frames))
        if written != sf_count_t(frames) {
            throw MediaError(.io, path: path, operation: "write", message: String(cString: sf_strerror(handle)))
        }
    }

    /// Flushes and closes the file. The corresponding C function is `sf_close`.
    func close() throws {
        guard let handle else { return }
        self.handle = nil
        let status = sf_close(handle)
        if status != 0 { throw MediaError(.io, path: path, operation: "close", message: String(cString: sf_error_number(status))) }
    }
}
