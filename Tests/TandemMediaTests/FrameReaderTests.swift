import Foundation
import Testing
import TandemCore
@testable import TandemMedia

/// Every frame of a fixture, by full sequential decode.
func decodeAll(_ name: String, options: VideoDecodeOptions = VideoDecodeOptions()) throws -> [VideoFrame] {
    let url = name.hasPrefix("/") ? URL(fileURLWithPath: name) : Fixture.url(name)
    let reader = try FrameReader(url: url, sampling: .all, options: options)
    var frames: [VideoFrame] = []
    while let frame = try reader.next() { frames.append(frame) }
    return frames
}

@Suite struct FrameReaderTests {
    /// H.264 with B-frames; H.264 with open GOPs and a B-pyramid, in MP4 and Matroska; HEVC with open
    /// GOPs (CRA key frames with leading pictures); VP9 with hidden frames; MPEG-4 part 2 with B-frames.
    static let codecs = ["h264_bframes.mp4", "h264_opengop.mp4", "h264_opengop.mkv", "hevc_offset.mkv", "vp9.webm", "mpeg4.mp4"]

    @Test(arguments: codecs)
    func fullDecodeNumbersFramesInPresentationOrder(name: String) throws {
        let frames = try decodeAll(name)
        #expect(frames.count == 60)
        #expect(frames.map(\.frameIndex) == Array(0..<60))
        #expect(zip(frames, frames.dropFirst()).allSatisfy { $0.pts < $1.pts })
        let first = try #require(frames.first)
        #expect(first.width == 96 && first.height == 64 && first.stride == 288 && first.bytes.count == 288 * 64)
        // Consecutive frames of a moving pattern differ.
        #expect(frames[0].bytes != frames[1].bytes)
    }

    @Test(arguments: codecs, [1, 2])
    func sparseSamplingIsFrameExact(name: String, threads: Int) throws {
        try expectFrameExactSampling(name, threads: threads) { sampling, reader in
            if case .uniform(7) = sampling {
                #expect(reader.seekCount > 0, "\(name): uniform sampling should seek")
                // Seven targets over four GOPs: with two decoders the walks ran side by side.
                if threads == 2 {
                    #expect(reader.gopDecoders.count == 2 && !reader.parallelGivenUp, "\(name): walks were not decoded side by side")
                    // Walks go to whichever decoder is free; together they made one seek per walk.
                    #expect(reader.gopDecoders.reduce(0) { $0 + $1.seekCount } == reader.seekCount, "\(name)")
                    // Nothing was opened that the walks did not use: no frame-threaded decoder of the
                    // reader's own, and the walks read through the demuxers the packet index read with.
                    #expect(reader.openedLoop == nil, "\(name): the sequential decoder was opened")
                    #expect(reader.spareInputs.isEmpty, "\(name)")
                }
            }
        }
    }

    /// MPEG-TS seeks by bisecting byte positions and lands after the key frame asked for, even the first
    /// one: sampling then decodes from a freshly opened demuxer (it once sought back to the start forever).
    @Test(arguments: [1, 2])
    func sparseSamplingIsFrameExactWhereSeeksLandLate(threads: Int) throws {
        try expectFrameExactSampling("mpeg2.ts", threads: threads) { _, _ in }
    }

    /// Each sparse sampling of fixture `name` (60 frames) gives exactly the frames of a full decode;
    /// `check` adds expectations on each sampling's finished reader.
    private func expectFrameExactSampling(_ name: String, threads: Int, check: (FrameSampling, FrameReader) -> Void) throws {
        let options = VideoDecodeOptions(threads: threads)
        let full = try decodeAll(name, options: options)
        let samplings: [FrameSampling] = [
            .uniform(count: 7), .segments(count: 5), .clips(count: 2, frames: 4, stride: 3),
            .timestamps([1.5, 0.2, 1.0]), .uniform(count: 1), .clips(count: 1, frames: 8, stride: 10),
        ]
        for sampling in samplings {
            let reader = try FrameReader(url: Fixture.url(name), sampling: sampling, options: options)
            var sampled: [VideoFrame] = []
            while let frame = try reader.next() { sampled.append(frame) }
            #expect(reader.frameCount == 60)
            if let expected = sampling.indices(frameCount: 60) {
                #expect(sampled.map(\.frameIndex) == expected, "\(name) \(sampling)")
            }
            for frame in sampled {
                let reference = full[frame.frameIndex]
                #expect(frame.pts == reference.pts, "\(name) \(sampling) frame \(frame.frameIndex)")
                #expect(frame.bytes == reference.bytes, "\(name) \(sampling) frame \(frame.frameIndex) differs from the full decode")
            }
            check(sampling, reader)
        }
    }

    @Test(arguments: ["hevc_offset.mkv", "h264_bframes.mp4", "vp9.webm"])
    func framesCarryTheirExactClockTime(name: String) throws {
        let frames = try decodeAll(name)
        let first = try #require(frames.first)
        for frame in frames {
            #expect(abs(frame.time.seconds - frame.seconds) < 1e-9, "\(name) frame \(frame.frameIndex)")
            // Differences on the clock are exact differences of pts, whatever the file's start offset.
            #expect(frame.time - first.time == MediaTime(pts: frame.pts - first.pts, timeBase: frame.timeBase), "\(name) frame \(frame.frameIndex)")
        }
        #expect(zip(frames, frames.dropFirst()).allSatisfy { $0.time < $1.time })
    }

    @Test func walksGroupTheTargetsOfOneKeyFrame() throws {
        let index = try PacketIndex(path: Fixture.path("h264_bframes.mp4"), streamIndex: 0)
        let keys = index.entries.indices.filter { index.entries[$0].isKey }
        #expect(keys.count == 4)
        let targets = [0, 1, 2, 20, 40, 59]
        let walks = FrameReader.nextWalks(targets, from: 0, index: index, maxWalks: 8, maxTargets: 16)
        // Every target is in exactly one walk, in order, and each walk's targets share its key frame.
        #expect(walks.flatMap(\.targets) == targets)
        for walk in walks {
            #expect(index.entries[walk.seekEntry].isKey)
            #expect(walk.targets.allSatisfy { index.seekEntry(forFrame: $0) == walk.seekEntry })
        }
        #expect(Set(walks.map(\.seekEntry)).count == walks.count)
        // Bounded rounds: at most `maxWalks` walks and `maxTargets` targets.
        let two = FrameReader.nextWalks(targets, from: 0, index: index, maxWalks: 2, maxTargets: 16)
        #expect(two.count == 2 && two == Array(walks.prefix(2)))
        #expect(FrameReader.nextWalks(targets, from: 0, index: index, maxWalks: 8, maxTargets: 3).flatMap(\.targets) == [0, 1, 2])
        // A GOP with more targets than a round holds is left to the sequential path.
        #expect(FrameReader.nextWalks(Array(0..<10), from: 0, index: index, maxWalks: 8, maxTargets: 4).isEmpty)
        // Starting part-way.
        #expect(FrameReader.nextWalks(targets, from: 4, index: index, maxWalks: 8, maxTargets: 16).flatMap(\.targets) == [40, 59])
    }

    @Test func denseTargetsInOneGOPStayExactOnTwoDecoders() throws {
        // Targets packed into one GOP (more than a round holds) mixed with sparse ones elsewhere:
        // the sequential and the side-by-side paths take turns and the frames stay those of a full decode.
        let full = try decodeAll("h264_opengop.mp4")
        let wanted = Array(0..<20) + [33, 47, 58, 5]
        let reader = try FrameReader(url: Fixture.url("h264_opengop.mp4"), sampling: .timestamps(wanted.map { full[$0].seconds + 1e-4 }),
                                     options: VideoDecodeOptions(threads: 2))
        var sampled: [VideoFrame] = []
        while let frame = try reader.next() { sampled.append(frame) }
        #expect(sampled.map(\.frameIndex) == wanted)
        for frame in sampled { #expect(frame.bytes == full[frame.frameIndex].bytes, "frame \(frame.frameIndex)") }
    }

    @Test(arguments: codecs)
    func sparseFpsSamplingGivesTheFramesOfTheSequentialRule(name: String) throws {
        let full = try decodeAll(name)
        for rate in [1.0, 2.5, 7.0] {
            // The rule applied to a full decode, frame by frame.
            var schedule = FpsSchedule(rate: rate)
            var expected: [Int] = []
            for frame in full {
                let repeats = schedule.frameArrives(at: frame.seconds)
                if frame.frameIndex > 0 { expected += repeatElement(frame.frameIndex - 1, count: repeats) }
            }
            expected += repeatElement(full.count - 1, count: schedule.end())
            let reader = try FrameReader(url: Fixture.url(name), sampling: .fps(rate))
            var sampled: [VideoFrame] = []
            while let frame = try reader.next() { sampled.append(frame) }
            // Well below the video's 30 fps: the packet index numbered the frames (the sparse way).
            #expect(reader.frameCount == 60, "\(name) at \(rate) fps")
            #expect(sampled.map(\.frameIndex) == expected, "\(name) at \(rate) fps")
            for frame in sampled {
                #expect(frame.pts == full[frame.frameIndex].pts && frame.seconds == full[frame.frameIndex].seconds)
                #expect(frame.bytes == full[frame.frameIndex].bytes, "\(name) at \(rate) fps: frame \(frame.frameIndex) differs from the full decode")
            }
            #expect(reader.decodedFrameCount < 60, "\(name) at \(rate) fps decoded every frame")
        }
    }

    @Test(arguments: ["h264_bframes.mp4", "h264_opengop.mp4", "h264_opengop.mkv", "hevc_offset.mkv"])
    func framesNothingRefersToAreNotDecodedOnTheWayToATarget(name: String) throws {
        // The first and the last frame: the last needs its GOP's reference frames, not its
        // non-reference B-frames.
        let index = try PacketIndex(path: Fixture.path(name), streamIndex: 0)
        let last = index.frameCount - 1
        let walked = index.entryOfFrame[last] - index.seekEntry(forFrame: last) + 1
        let reader = try FrameReader(url: Fixture.url(name), sampling: .uniform(count: 2), options: VideoDecodeOptions(threads: 1))
        var sampled: [Int] = []
        while let frame = try reader.next() { sampled.append(frame.frameIndex) }
        #expect(sampled == [0, last])
        #expect(reader.decodedFrameCount < 1 + walked, "\(name): \(reader.decodedFrameCount) frames decoded, \(walked) packets walked")
    }

    @Test func packetsWithoutTimestampsFallBackToDecodingForward() throws {
        // AVI with packed B-frames: some packets carry no pts, so the index cannot number frames.
        let full = try decodeAll("mpeg4_nopts.avi")
        #expect(full.count == 60)
        for sampling in [FrameSampling.uniform(count: 7), .clips(count: 2, frames: 3, stride: 5), .keyframes] {
            let reader = try FrameReader(url: Fixture.url("mpeg4_nopts.avi"), sampling: sampling)
            var sampled: [VideoFrame] = []
            while let frame = try reader.next() { sampled.append(frame) }
            if let expected = sampling.indices(frameCount: 60) { #expect(sampled.map(\.frameIndex) == expected) }
            #expect(!sampled.isEmpty)
            #expect(reader.seekCount == 0)
            for frame in sampled { #expect(frame.bytes == full[frame.frameIndex].bytes, "\(sampling) frame \(frame.frameIndex)") }
        }
    }

    @Test func timestampsPickTheFrameOnScreen() throws {
        // hevc_offset.mkv: video starts 0.5 s after the file's origin.
        let reader = try FrameReader(url: Fixture.url("hevc_offset.mkv"), sampling: .timestamps([0.5, 0.52, 0.55, 2.4, 0.0]))
        var indices: [Int] = []
        while let frame = try reader.next() { indices.append(frame.frameIndex) }
        #expect(indices == [0, 0, 1, 57, 0])
    }

    @Test(arguments: codecs)
    func keyframesAreTheKeyFramesOfAFullDecode(name: String) throws {
        let full = try decodeAll(name)
        let reader = try FrameReader(url: Fixture.url(name), sampling: .keyframes)
        var keys: [VideoFrame] = []
        while let frame = try reader.next() { keys.append(frame) }
        #expect(keys.count >= 4)
        #expect(keys.first?.frameIndex == 0)
        for key in keys {
            #expect(key.isKeyFrame)
            #expect(key.bytes == full[key.frameIndex].bytes && key.pts == full[key.frameIndex].pts)
        }
        if name == "h264_bframes.mp4" { #expect(keys.map(\.frameIndex) == [0, 15, 30, 45]) }
    }

    @Test func fpsSamplingGivesAConstantRateFromVariableFrameRate() throws {
        let full = try decodeAll("vfr.mkv")
        let reader = try FrameReader(url: Fixture.url("vfr.mkv"), sampling: .fps(10))
        var sampled: [VideoFrame] = []
        while let frame = try reader.next() { sampled.append(frame) }
        let start = full[0].seconds
        for (k, frame) in sampled.enumerated() {
            let instant = start + Double(k) / 10
            // The frame on screen at the instant: the last frame not after it.
            let expected = full.lastIndex { $0.seconds <= instant + 1e-9 } ?? 0
            #expect(frame.frameIndex == expected, "instant \(instant)")
            #expect(frame.bytes == full[expected].bytes)
        }
        let last = try #require(full.last)
        let end = last.seconds + (last.seconds - full[full.count - 2].seconds)
        #expect(abs(Double(sampled.count) - (end - start) * 10) <= 1.01)
        // Early frames are 1/30 s apart (some skipped), late ones far apart (some repeated).
        #expect(Set(sampled.map(\.frameIndex)).count < sampled.count)
    }

    @Test func sceneSamplingFindsCuts() throws {
        let all = try decodeAll("h264_bframes.mp4")
        let reader = try FrameReader(url: Fixture.url("h264_bframes.mp4"), sampling: .scene(threshold: 1.0))
        var frames: [VideoFrame] = []
        while let frame = try reader.next() { frames.append(frame) }
        // Nothing changes by 100 %: only the first frame.
        #expect(frames.map(\.frameIndex) == [0])
        let everyChange = try FrameReader(url: Fixture.url("h264_bframes.mp4"), sampling: .scene(threshold: 0))
        var count = 0
        while try everyChange.next() != nil { count += 1 }
        #expect(count == all.count)
    }

    @Test func resizeModes() throws {
        func first(_ resize: ResizeMode, _ layout: PixelLayout = .rgb24) throws -> VideoFrame {
            try #require(try FrameReader(url: Fixture.url("h264_bframes.mp4"), options: VideoDecodeOptions(layout: layout, resize: resize)).next())
        }
        let exact = try first(.exact(width: 48, height: 30))
        #expect(exact.width == 48 && exact.height == 30 && exact.bytes.count == 48 * 30 * 3)
        let shorter = try first(.shorterSide(32))
        #expect(shorter.width == 48 && shorter.height == 32)
        // Shrinking stops at the side and never enlarges (the fixture is 96x64).
        let shrunk = try first(.shorterSideAtMost(32)), kept = try first(.shorterSideAtMost(100))
        #expect(shrunk.width == 48 && shrunk.height == 32 && shrunk.bytes == shorter.bytes)
        #expect(kept.width == 96 && kept.height == 64)
        let crop = try first(.shorterSideCenterCrop(side: 32, width: 32, height: 32))
        #expect(crop.width == 32 && crop.height == 32)
        // The crop is the middle of the shorter-side picture.
        for y in 0..<32 {
            for x in 0..<32 * 3 { #expect(crop.bytes[y * 96 + x] == shorter.bytes[y * 144 + 8 * 3 + x]) }
        }
        let box = try first(.letterbox(width: 64, height: 64))
        #expect(box.width == 64 && box.height == 64)
        // 96x64 fits as 64x43 at y = 10: black bars above and below.
        #expect((0..<64 * 3 * 10).allSatisfy { box.bytes[$0] == 0 })
        #expect((64 * 3 * 54..<64 * 3 * 64).allSatisfy { box.bytes[$0] == 0 })
        #expect((64 * 3 * 11..<64 * 3 * 52).contains { box.bytes[$0] != 0 })

        let gray = try first(.exact(width: 48, height: 30), .gray8)
        #expect(gray.stride == 48 && gray.bytes.count == 48 * 30 && gray.channelCount == 1)
        let floats = try first(.exact(width: 48, height: 30), .float32CHW)
        #expect(floats.floats.count == 3 * 48 * 30 && floats.bytes.isEmpty)
        for i in stride(from: 0, to: 48 * 30, by: 7) {
            #expect(floats.floats[i] == Float(exact.bytes[3 * i]) / 255)
            #expect(floats.floats[48 * 30 + i] == Float(exact.bytes[3 * i + 1]) / 255)
            #expect(floats.floats[2 * 48 * 30 + i] == Float(exact.bytes[3 * i + 2]) / 255)
        }
    }

    @Test func interpolationFiltersAllWork() throws {
        var outputs: [VideoDecodeOptions.Interpolation: VideoFrame] = [:]
        for filter in VideoDecodeOptions.Interpolation.allCases {
            let options = VideoDecodeOptions(resize: .exact(width: 40, height: 30), interpolation: filter)
            let frame = try #require(try FrameReader(url: Fixture.url("h264_bframes.mp4"), options: options).next())
            #expect(frame.width == 40 && frame.height == 30)
            outputs[filter] = frame
        }
        #expect(outputs[.nearest]?.bytes != outputs[.bilinear]?.bytes)
    }

    @Test func rotationIsApplied() throws {
        // rotated90.mp4 is h264_bframes.mp4's video with a display matrix asking for 270° clockwise.
        let upright = try #require(try FrameReader(url: Fixture.url("h264_bframes.mp4")).next())
        let turned = try #require(try FrameReader(url: Fixture.url("rotated90.mp4")).next())
        #expect(turned.width == 64 && turned.height == 96)
        for y in 0..<96 {
            for x in 0..<64 {
                // 270° clockwise: displayed (x, y) is decoded (W - 1 - y, x).
                let source = (x * 96 + (95 - y)) * 3
                let target = (y * 64 + x) * 3
                #expect(turned.bytes[target] == upright.bytes[source] && turned.bytes[target + 2] == upright.bytes[source + 2])
            }
        }
        let raw = try #require(try FrameReader(url: Fixture.url("rotated90.mp4"), options: VideoDecodeOptions(applyRotation: false)).next())
        #expect(raw.width == 96 && raw.bytes == upright.bytes)
        // Rotation with a crop: the crop is taken in display orientation.
        let cropped = try #require(try FrameReader(url: Fixture.url("rotated90.mp4"),
            options: VideoDecodeOptions(resize: .shorterSideCenterCrop(side: 64, width: 64, height: 64))).next())
        #expect(cropped.width == 64 && cropped.height == 64)
        // Each frame says the video's size as shown, before the scale and crop, for positions in the source's pixels.
        #expect(cropped.sourceWidth == 64 && cropped.sourceHeight == 96 && raw.sourceWidth == 96 && raw.sourceHeight == 64)
        let small = try #require(try FrameReader(url: Fixture.url("h264_bframes.mp4"), options: VideoDecodeOptions(resize: .exact(width: 32, height: 16))).next())
        #expect(small.width == 32 && small.sourceWidth == 96 && small.sourceHeight == 64)
        #expect(cropped.bytes.array == Array(turned.bytes.array[(16 * 64 * 3)..<(80 * 64 * 3)]))
    }

    /// Mean gray level of each row of a gray8 frame.
    private func rowMeans(_ frame: VideoFrame) -> [Double] {
        (0..<frame.height).map { y in Double((0..<frame.width).reduce(0) { $0 + Int(frame.bytes[y * frame.stride + $1]) }) / Double(frame.width) }
    }

    @Test func interlacedPicturesAreReadFromOneField() throws {
        // Both files hold a picture whose even rows are light and odd rows dark: the comb of two fields
        // taken apart in time. interlaced_comb.mpg is coded as interlaced frames, progressive_comb.mpg is not.
        let gray = VideoDecodeOptions(layout: .gray8)
        let interlaced = try #require(try FrameReader(url: Fixture.url("interlaced_comb.mpg"), options: gray).next())
        #expect(interlaced.width == 64 && interlaced.height == 48)
        let rows = rowMeans(interlaced)
        #expect(rows.allSatisfy { $0 > 170 }, "the top field (light) fills every row: \(rows)")
        var stored = gray
        stored.deinterlace = false
        let both = rowMeans(try #require(try FrameReader(url: Fixture.url("interlaced_comb.mpg"), options: stored).next()))
        #expect(both.enumerated().allSatisfy { $0.offset % 2 == 0 ? $0.element > 170 : $0.element < 70 }, "\(both)")
        let progressive = rowMeans(try #require(try FrameReader(url: Fixture.url("progressive_comb.mpg"), options: gray).next()))
        #expect(progressive.enumerated().allSatisfy { $0.offset % 2 == 0 ? $0.element > 170 : $0.element < 70 },
                "a progressive picture is never deinterlaced: \(progressive)")
    }

    @Test func nonSquarePixelsAreShownSquare() throws {
        // anamorphic.mp4 stores 64x48 pixels twice as wide as tall.
        let shown = try #require(try FrameReader(url: Fixture.url("anamorphic.mp4")).next())
        #expect(shown.width == 128 && shown.height == 48 && shown.sourceWidth == 128 && shown.sourceHeight == 48)
        let shrunk = try #require(try FrameReader(url: Fixture.url("anamorphic.mp4"), options: VideoDecodeOptions(resize: .shorterSide(24))).next())
        #expect(shrunk.width == 64 && shrunk.height == 24 && shrunk.sourceWidth == 128)
        var storedOptions = VideoDecodeOptions()
        storedOptions.squarePixels = false
        let stored = try #require(try FrameReader(url: Fixture.url("anamorphic.mp4"), options: storedOptions).next())
        #expect(stored.width == 64 && stored.height == 48 && stored.sourceWidth == 64)
        // The shown picture is the stored one stretched: column 2x+1 of the shown row is near stored column x.
        let y = 24
        let error = (0..<64).map { x in abs(Int(shown.bytes[y * shown.stride + 3 * (2 * x + 1)]) - Int(stored.bytes[y * stored.stride + 3 * x])) }
        #expect(error.sorted()[32] < 24, "\(error)")
    }

    @Test func videoAndAudioShareOneClock() throws {
        // hevc_offset.mkv: audio starts at the file's origin (2.0 s), video 0.5 s later.
        let frame = try #require(try FrameReader(url: Fixture.url("hevc_offset.mkv")).next())
        #expect(abs(frame.seconds - 0.5) < 1e-9)
        #expect(frame.pts == 2500 && frame.timeBase == Rational(1, 1000))
        let audio = try #require(try AudioReader(url: Fixture.url("hevc_offset.mkv")).next())
        #expect(audio.firstSample == 0)
        // The sample at the frame's time is 0.5 s × 16 kHz in.
        #expect(Int64((frame.seconds * Double(audio.sampleRate)).rounded()) == 8000)
    }

    @Test func samplingParsesItsShortForm() {
        #expect(FrameSampling(parsing: "all") == .all)
        #expect(FrameSampling(parsing: "keyframes") == .keyframes)
        #expect(FrameSampling(parsing: "fps:2.5") == .fps(2.5))
        #expect(FrameSampling(parsing: "uniform:8") == .uniform(count: 8))
        #expect(FrameSampling(parsing: "segments:3") == .segments(count: 3))
        #expect(FrameSampling(parsing: "clips:1x8x32") == .clips(count: 1, frames: 8, stride: 32))
        #expect(FrameSampling(parsing: "timestamps:0.5,1,2.25") == .timestamps([0.5, 1, 2.25]))
        #expect(FrameSampling(parsing: "scene") == .scene(threshold: 0.3))
        #expect(FrameSampling(parsing: "scene:0.5") == .scene(threshold: 0.5))
        for bad in ["", "uniform", "uniform:0", "uniform:x", "fps:-1", "clips:1x8", "timestamps:a", "scene:2", "every:3", "all:1"] {
            #expect(FrameSampling(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func resizeParsesItsShortForm() {
        #expect(ResizeMode(parsing: "none") == ResizeMode.none)
        #expect(ResizeMode(parsing: "224") == .shorterSide(224))
        #expect(ResizeMode(parsing: "max:360") == .shorterSideAtMost(360))
        #expect(ResizeMode(parsing: "320x240") == .exact(width: 320, height: 240))
        #expect(ResizeMode(parsing: "256/224x224") == .shorterSideCenterCrop(side: 256, width: 224, height: 224))
        #expect(ResizeMode(parsing: "box:640x360") == .letterbox(width: 640, height: 360))
        for bad in ["", "0", "-4", "12y4", "x240", "320x", "320x0", "box:", "box:640", "max:", "256/224", "/224x224", "shrink", "1x2x3"] {
            #expect(ResizeMode(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func samplingIsCodable() throws {
        let all: [FrameSampling] = [.all, .fps(2.5), .uniform(count: 8), .segments(count: 3), .clips(count: 1, frames: 8, stride: 32),
                                    .keyframes, .timestamps([0.5, 1]), .scene(threshold: 0.3)]
        for sampling in all {
            #expect(try JSONDecoder().decode(FrameSampling.self, from: JSONEncoder().encode(sampling)) == sampling)
        }
        let text = Data(#"{"kind":"clips","frames":8,"stride":32}"#.utf8)
        #expect(try JSONDecoder().decode(FrameSampling.self, from: text) == .clips(count: 1, frames: 8, stride: 32))
        #expect(FrameSampling.uniform(count: 4).indices(frameCount: 10) == [0, 3, 6, 9])
        #expect(FrameSampling.segments(count: 4).indices(frameCount: 8) == [1, 3, 5, 7])
        #expect(FrameSampling.clips(count: 1, frames: 8, stride: 32).indices(frameCount: 300) == (0..<8).map { 37 + $0 * 32 })
    }
}

@Suite struct PacketIndexTests {
    @Test(arguments: FrameReaderTests.codecs)
    func indexCountsFramesAndKeyFrames(name: String) throws {
        let index = try PacketIndex(path: Fixture.path(name), streamIndex: 0)
        #expect(index.frameCount == 60 && index.isExact)
        #expect(index.entries.first?.isKey == true)
        // Every frame index maps back to its own pts, and seeking for it starts at a key frame not after it.
        for frame in 0..<index.frameCount {
            #expect(index.frameIndex(pts: index.sortedPts[frame]) == frame)
            let start = index.seekEntry(forFrame: frame)
            #expect(index.entries[start].isKey && index.entries[start].pts <= index.sortedPts[frame])
        }
    }

    @Test(arguments: FrameReaderTests.codecs)
    func readingInHalvesGivesTheSequentialIndex(name: String) throws {
        func open() throws -> FFInputContext {
            let input = try FFInputContext(path: Fixture.path(name), findStreamInfo: false)
            input.discardAll(except: 0)
            return input
        }
        let sequential = PacketIndex.read(try open(), streamIndex: 0, stop: nil).entries
        let halves = try #require(try PacketIndex.readInHalves(try open(), path: Fixture.path(name), streamIndex: 0, cores: 2),
                                  "\(name): MP4 and Matroska are read in halves")
        #expect(halves.joined, "\(name): the first half did not meet the second")
        #expect(halves.entries == sequential, "\(name)")
        #expect(try PacketIndex.readInHalves(try open(), path: Fixture.path(name), streamIndex: 0, cores: 1) == nil)
    }

    @Test func truncatedFileReadInHalvesIndexesWhatIsThere() throws {
        // The middle may lie past the damage: then the halves are not used, or they give the same list.
        func open() throws -> FFInputContext {
            let input = try FFInputContext(path: Fixture.path("truncated.mp4"), findStreamInfo: false)
            input.discardAll(except: 0)
            return input
        }
        let sequential = PacketIndex.read(try open(), streamIndex: 0, stop: nil).entries
        if let halves = try PacketIndex.readInHalves(try open(), path: Fixture.path("truncated.mp4"), streamIndex: 0, cores: 2) {
            #expect(halves.entries == sequential)
        }
    }

    @Test func truncatedFileIndexesWhatIsThere() throws {
        let index = try PacketIndex(path: Fixture.path("truncated.mp4"), streamIndex: 0)
        #expect(index.frameCount > 5 && index.frameCount < 60)
    }

    /// A file whose only picture is cover art has no video to read, and says so; asked for by index, the picture is read.
    @Test func coverArtIsReadOnlyWhenAskedForByIndex() throws {
        let url = Fixture.url("cover_art.mp3")
        do {
            _ = try FrameReader(url: url)
            Issue.record("a cover picture was read as video")
        } catch let error as MediaError {
            #expect(error.code == .noUsableStream && "\(error)".contains("only an attached picture"), "\(error)")
        }
        let picture = try #require(try FrameReader(url: url, options: VideoDecodeOptions(streamIndex: 1)).next())
        #expect(picture.width == 32 && picture.height == 32)
    }


    /// Pictures that change size part way keep the first size: later ones are fitted in (letterboxed), and the reader says where.
    @Test func pictureSizeChangeKeepsTheFirstSize() throws {
        let reader = try FrameReader(url: Fixture.url("size_change.ts"))
        var frames: [VideoFrame] = []
        while let frame = try reader.next() { frames.append(frame) }
        #expect(frames.count == 10)
        #expect(frames.allSatisfy { $0.width == 96 && $0.height == 64 && $0.sourceWidth == 96 && $0.sourceHeight == 64 })
        let change = try #require(reader.pictureSizeChange)
        #expect(change.from == (96, 64) && change.to == (64, 48))
        #expect(abs(change.seconds - 0.5) < 1e-6, "\(change.seconds)")
        // 64x48 fitted into 96x64 is 85x64 between bars of 5 and 6 columns: black at the left edge, picture in the middle.
        let last = try #require(frames.last), first = try #require(frames.first)
        func pixel(_ frame: VideoFrame, _ x: Int, _ y: Int) -> [UInt8] { (0..<3).map { frame.bytes[y * frame.stride + 3 * x + $0] } }
        #expect(pixel(last, 1, 32) == [0, 0, 0] && pixel(first, 1, 32) != [0, 0, 0])
        #expect(pixel(last, 48, 32) != [0, 0, 0])
        #expect(String(describing: change).contains("from 96×64 to 64×48 at 0.5 s"))
    }

}
