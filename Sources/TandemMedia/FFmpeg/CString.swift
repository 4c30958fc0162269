/// The NUL-terminated text in a C character buffer filled by an FFmpeg `…_describe`/`…strerror` call.
func stringFromCBuffer(_ buffer: [CChar]) -> String {
    buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}
