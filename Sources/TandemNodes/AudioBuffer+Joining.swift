import TandemCore

extension AudioBuffer {
    /// The chunks of one stream joined end to end (the first chunk's position and format); nil for none.
    init?(joining chunks: [AudioBuffer]) throws {
        guard let first = chunks.first else { return nil }
        var channels = Array(repeating: [Float](), count: first.channelCount)
        for chunk in chunks {
            guard chunk.channelCount == first.channelCount, chunk.sampleRate == first.sampleRate else {
                throw NodeError(code: .nodeFailed, message: "audio changed format mid-stream (\(first.sampleRate) Hz × \(first.channelCount) → "
                                + "\(chunk.sampleRate) Hz × \(chunk.channelCount))")
            }
            for c in channels.indices { channels[c].append(contentsOf: chunk.channels[c].array) }
        }
        self.init(sampleRate: first.sampleRate, channelLayout: first.channelLayout, firstSample: first.firstSample,
                  channels: channels.map { SharedArray($0) })
    }
}
