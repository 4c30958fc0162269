import CZlib

/// How well a text compresses: UTF-8 length over zlib-compressed length at the default level,
/// exactly Python's `len(b) / len(zlib.compress(b))` that faster-whisper and openai/whisper use to
/// spot repetitive (hallucinated) output.
/// - Complexity: O(n).
func whisperCompressionRatio(_ text: String) -> Double {
    let bytes = Array(text.utf8)
    guard !bytes.isEmpty else {
        // zlib.compress(b"") is 8 bytes; the ratio of an empty text is 0.
        return 0
    }
    var capacity = compressBound(uLong(bytes.count))
    var output = [UInt8](repeating: 0, count: Int(capacity))
    let status = compress2(&output, &capacity, bytes, uLong(bytes.count), Z_DEFAULT_COMPRESSION)
    precondition(status == Z_OK, "zlib compress2 failed with \(status) on a buffer of compressBound size")
    return Double(bytes.count) / Double(capacity)
}
