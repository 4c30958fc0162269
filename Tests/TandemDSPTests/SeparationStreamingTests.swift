import Testing
@testable import TandemDSP

/// `MotionInformedNMF.separate(length:…emit:)`: the recording read back a chunk at a time and each
/// stretch of the sources handed on when final.
struct SeparationStreamingTests {
    /// Streams `mix` through the chunked separation, recording every stretch and every range read.
    static func stream(_ mix: [Float], tracks: [MotionTrack], chunking: MotionInformedNMF.Chunking, configuration: MotionInformedNMF.Configuration)
        throws -> (separation: MotionInformedNMF.ChunkedSeparation, stretches: [MotionInformedNMF.SeparatedStretch], reads: [Range<Int>]) {
        var stretches: [MotionInformedNMF.SeparatedStretch] = []
        var reads: [Range<Int>] = []
        let separation = try MotionInformedNMF(configuration).separate(
            length: mix.count, channelCount: 1, sampleRate: Duet.rate, read: { range in reads.append(range); return [Array(mix[range])] },
            motion: tracks, chunking: chunking, mixtureMagnitude: true) { stretches.append($0) }
        return (separation, stretches, reads)
    }

    @Test func aShortRecordingIsOneStretchEqualToTheWholeSeparation() throws {
        let mix = zip(Duet.low, Duet.high).map { $0 + $1 }
        let tracks = [Duet.motion(Duet.highOnsets, label: "right"), Duet.motion(Duet.lowOnsets, label: "left")]
        var configuration = MotionInformedNMF.Configuration()
        configuration.componentsPerSource = 4
        let whole = try MotionInformedNMF(configuration).separate([mix], sampleRate: Duet.rate, motion: tracks)
        let streamed = try Self.stream(mix, tracks: tracks, chunking: MotionInformedNMF.Chunking(), configuration: configuration)
        try #require(streamed.stretches.count == 1)
        #expect(streamed.stretches[0].firstSample == 0)
        // Bit for bit: the same samples, masks, confidences and picture as the whole-array separation.
        #expect(streamed.stretches[0].sources == whole.sources.map(\.channels))
        #expect(streamed.separation.result.sources.map(\.mask) == whole.sources.map(\.mask))
        #expect(streamed.separation.result.sources.map(\.confidence) == whole.sources.map(\.confidence))
        #expect(streamed.separation.result.sources.map(\.label) == whole.sources.map(\.label))
        #expect(streamed.separation.result.sources.allSatisfy { $0.channels.isEmpty })
        #expect(streamed.separation.mixtureMagnitude == (try whole.mixtureMagnitude(of: [mix])))
    }

    /// What `masksReady` saw, and where: before or after the first stretch was emitted.
    static func watchingMasks(_ mix: [Float], tracks: [MotionTrack], chunking: MotionInformedNMF.Chunking,
                              configuration: MotionInformedNMF.Configuration)
        throws -> (separation: MotionInformedNMF.ChunkedSeparation, seen: [(separation: MotionInformedNMF.ChunkedSeparation, stretchesBefore: Int)]) {
        var stretches = 0
        var seen: [(separation: MotionInformedNMF.ChunkedSeparation, stretchesBefore: Int)] = []
        let separation = try MotionInformedNMF(configuration).separate(
            length: mix.count, channelCount: 1, sampleRate: Duet.rate, read: { [Array(mix[$0])] }, motion: tracks, chunking: chunking,
            mixtureMagnitude: true, masksReady: { seen.append(($0, stretches)) }) { _ in stretches += 1 }
        return (separation, seen)
    }

    /// A recording in one piece hands its final masks (and the mixture magnitude) over before its sources are
    /// inverted and emitted, so a picture of them can be made beside that; a chunked one after its last chunk.
    @Test func masksAreHandedOverOnceAsSoonAsTheyAreFinal() throws {
        var configuration = MotionInformedNMF.Configuration()
        configuration.componentsPerSource = 4
        let mix = zip(Duet.low, Duet.high).map { $0 + $1 }
        let tracks = [Duet.motion(Duet.highOnsets, label: "right"), Duet.motion(Duet.lowOnsets, label: "left")]
        let short = try Self.watchingMasks(mix, tracks: tracks, chunking: MotionInformedNMF.Chunking(), configuration: configuration)
        try #require(short.seen.count == 1)
        #expect(short.seen[0].stretchesBefore == 0)
        let early = short.seen[0].separation
        #expect(early.result.sources.map(\.mask) == short.separation.result.sources.map(\.mask))
        #expect(early.result.sources.map(\.confidence) == short.separation.result.sources.map(\.confidence))
        #expect(early.result.sources.map(\.silent) == short.separation.result.sources.map(\.silent))
        #expect(early.result.sources.map(\.label) == short.separation.result.sources.map(\.label))
        #expect(early.result.sources.allSatisfy { $0.channels.isEmpty })
        #expect(early.mixtureMagnitude == short.separation.mixtureMagnitude && !early.mixtureMagnitude.isEmpty)

        let duet = SeparationTests.longDuet(times: 3)
        let long = try Self.watchingMasks(zip(duet.low, duet.high).map { $0 + $1 }, tracks: duet.tracks,
                                          chunking: MotionInformedNMF.Chunking(seconds: 4, overlapSeconds: 0.5, maskFrames: 100),
                                          configuration: configuration)
        try #require(long.seen.count == 1)
        #expect(long.seen[0].stretchesBefore == 3)
        #expect(long.seen[0].separation.result.sources.map(\.mask) == long.separation.result.sources.map(\.mask))
        #expect(long.seen[0].separation.mixtureMagnitude == long.separation.mixtureMagnitude)
    }

    @Test func crossFadesAreContinuousAcrossChunkBoundaries() throws {
        let duet = SeparationTests.longDuet(times: 3)
        let mix = zip(duet.low, duet.high).map { $0 + $1 }
        var configuration = MotionInformedNMF.Configuration()
        configuration.componentsPerSource = 4
        let chunking = MotionInformedNMF.Chunking(seconds: 4, overlapSeconds: 0.5, maskFrames: 100)
        let streamed = try Self.stream(mix, tracks: duet.tracks, chunking: chunking, configuration: configuration)
        let step = 4 * Duet.rate, overlap = Duet.rate / 2
        // One stretch per chunk, each beginning where its chunk does and ending where the next begins.
        #expect(streamed.stretches.map(\.firstSample) == [0, step, 2 * step])
        var position = 0
        for stretch in streamed.stretches {
            #expect(stretch.firstSample == position)
            let lengths = Set(stretch.sources.flatMap { $0.map(\.count) })
            try #require(lengths.count == 1)
            position += lengths.first!
        }
        #expect(position == mix.count)
        // Only a chunk and its overlap is read for the factorisation (the picture reads a frame's span more).
        #expect(streamed.reads.allSatisfy { $0.count <= step + overlap + 4096 })

        // Joined, the sources still sum to the mixture around each boundary: the fade-out of one chunk
        // and the fade-in of the next add up to one, so nothing jumps or drops where they meet.
        let sources = (0..<2).map { s in streamed.stretches.flatMap { $0.sources[s][0] } }
        for boundary in [step, 2 * step] {
            let range = (boundary - overlap)..<(boundary + 2 * overlap)
            let sum = range.map { sources[0][$0] + sources[1][$0] }
            #expect(Duet.sdr(sum, Array(mix[range])) > 25, "around sample \(boundary)")
            // The step from the last sample of one stretch to the first of the next is like its neighbours'.
            for s in 0..<2 {
                let jump = abs(sources[s][boundary] - sources[s][boundary - 1])
                let neighbours = Array(boundary - 65..<boundary - 1) + Array(boundary..<boundary + 64)
                let typical = neighbours.map { abs(sources[s][$0 + 1] - sources[s][$0]) }.max()!
                #expect(jump <= 2 * typical, "source \(s) at \(boundary): \(jump) against \(typical)")
            }
        }
        // The same as the whole-array chunked separation, which joins these stretches.
        let whole = try MotionInformedNMF(configuration).separate([mix], sampleRate: Duet.rate, motion: duet.tracks, chunking: chunking)
        #expect(whole.sources.map { $0.channels[0] } == sources)
        // The picture's mixture panel, built a chunk at a time, matches the whole recording's STFT on the same frames.
        let reference = try streamed.separation.result.mixtureMagnitude(of: [mix])
        let magnitude = streamed.separation.mixtureMagnitude
        try #require(magnitude.count == reference.count)
        let worst = zip(magnitude, reference).map { abs($0 - $1) / max(1e-3, abs($1)) }.max() ?? 0
        #expect(worst < 1e-3, "largest relative difference \(worst)")
    }
}
