import TandemCore

extension AudioBuffer {
    /// The chunks of one stream joined end to end (the first chunk's position and format); nil for none.
    init?(joining chunks: [AudioBuffer]) throws {
        guard let first = chunks.first else { return nil }
        // Sized once: appending to growing arrays reallocates by doubling, which for an hour of 44.1 kHz
        // stereo (`separate`, `av-fusion` keep the whole recording) briefly holds up to twice the samples
        // on top of the chunks themselves.
        let total = chunks.reduce(0) { $0 + $1.frameCount }
        var channels = (0..<first.channelCount).map { _ in
            var channel = [Float]()
            channel.reserveCapacity(total)
            return channel
        }
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
