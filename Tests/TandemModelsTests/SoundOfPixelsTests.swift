import Foundation
import Testing
import TandemCore
import TandemDSP
import TandemNN
@testable import TandemModels

/// The fixture of Tools/fixtures/make_sound_of_pixels_fixtures.py: a reduced unet7 (ngf 4), a ResNet-18
/// of width 4 with layer4 dilated, K = 8, 48×48 frames, 32767 samples (128 STFT frames), random weights.
enum SoundOfPixelsFixture {
    static func url(_ name: String) throws -> URL {
        guard let base = Bundle.module.resourceURL else { throw CocoaError(.fileNoSuchFile) }
        return base.appendingPathComponent("Fixtures/sound-of-pixels/\(name)")
    }

    static var configuration: SoundOfPixelsConfiguration {
        var c = SoundOfPixelsConfiguration()
        c.windowSamples = 32767
        c.imageSize = 48
        return c
    }

    static func model(binary: Bool = true) throws -> SoundOfPixels {
        var c = configuration
        c.binaryMask = binary
        return try SoundOfPixels(weightsAt: url("weights.safetensors"), configuration: c)
    }

    static func reference() throws -> SafetensorsFile { try SafetensorsFile(url: url("fixture.safetensors")) }
}

/// A weight source with tensors removed or added, to exercise the loader's checks.
struct EditedWeights: WeightSource {
    let base: SafetensorsFile
    var removed: Set<String> = []
    var extra: [String: Tensor] = [:]
    var tensorNames: [String] { (base.names.filter { !removed.contains($0) } + extra.keys).sorted() }
    func shape(of name: String) -> [Int]? { removed.contains(name) ? nil : extra[name]?.shape ?? base.entries[name]?.shape }
    func tensor(named name: String) throws -> Tensor { try extra[name] ?? base.tensor(named: name) }
}

@Suite struct SoundOfPixelsTests {
    static func relative(_ a: [Float], _ b: Tensor) -> Float {
        Tensor.relativeDifference(Tensor(shape: b.shape, values: a), b)
    }

    @Test func missingWeightsNameTheFileAndTheConverter() {
        let url = URL(fileURLWithPath: "/nonexistent/sound-of-pixels.safetensors")
        do {
            _ = try SoundOfPixels(weightsAt: url)
            Issue.record("loading a missing file succeeded")
        } catch let error as SoundOfPixelsError {
            #expect(error.code == .missingWeights)
            #expect(error.description.contains("/nonexistent/sound-of-pixels.safetensors"))
            #expect(error.description.contains("convert_sound_of_pixels.py"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func everyTensorIsChecked() throws {
        let file = try SafetensorsFile(url: SoundOfPixelsFixture.url("weights.safetensors"))
        let edited = EditedWeights(base: file, removed: ["frame.features.5.0.bn2.running_var"], extra: ["synth.extra": Tensor(zeros: [2])])
        do {
            _ = try SoundOfPixels(weights: edited)
            Issue.record("an incomplete checkpoint loaded")
        } catch let error as WeightsError {
            #expect(error.code == .parameterMismatch)
            #expect(error.missing == ["frame.features.5.0.bn2.running_var"])
            #expect(error.unexpected == ["synth.extra"])
        }
    }

    @Test func architectureIsReadFromTheCheckpoint() throws {
        let model = try SoundOfPixelsFixture.model()
        #expect(model.depth == 7 && model.channels == 8 && model.frameMultiple == 128)
    }

    @Test func matchesPyTorchReference() throws {
        let reference = try SoundOfPixelsFixture.reference()
        let model = try SoundOfPixelsFixture.model(binary: false)
        let audio = try reference.tensor(named: "audio").scalars
        let mixture = try model.analyze(audio)
        #expect(mixture.frameCount == 128)
        let logWarped = mixture.logWarped.reshaped([256, 128]).slice(axis: 1, 0..<16)
        #expect(Tensor.relativeDifference(logWarped, try reference.tensor(named: "log_warped_first16")) <= 1e-4)

        let sound = model.soundFeatures(mixture)
        let row0 = sound.reshaped([8, 256, 128]).slice(axis: 1, 0..<1).reshaped([8, 128])
        #expect(Tensor.relativeDifference(row0, try reference.tensor(named: "sound_features_row0")) <= 1e-4)

        let vectors = try [0, 1].map { model.imageVector(try reference.tensor(named: "frames\($0)")) }
        #expect(Self.relative(vectors.flatMap { $0 }, try reference.tensor(named: "image_vectors")) <= 1e-4)

        let masks = model.masks(sound: sound, imageVectors: vectors)
        #expect(Self.relative(masks[0], try reference.tensor(named: "warped_mask_source0")) <= 1e-4)

        let separation = try model.resynthesize(mixture, warpedMasks: masks)
        // Our masks are frame-major (T × 512); the reference is bin-major (512 × T).
        let linear = Tensor(shape: [128, 512], values: separation.masks[0]).permuted([1, 0])
        let referenceLinear = try reference.tensor(named: "linear_mask_source0")
        #expect(Tensor.relativeDifference(linear, referenceLinear) <= 1e-4)
        #expect(Self.relative(separation.sources[0], try reference.tensor(named: "ratio_source0")) <= 1e-4)
        #expect(separation.sources[0].count == audio.count)

        // Binary masks: identical decisions wherever the reference is not within 1e-4 of the threshold…
        let binaryModel = try SoundOfPixelsFixture.model(binary: true)
        let binary = try binaryModel.resynthesize(mixture, warpedMasks: masks)
        let ours = Tensor(shape: [128, 512], values: binary.masks[0]).permuted([1, 0]).scalars
        let theirs = referenceLinear.scalars
        let flipped = ours.indices.filter { (ours[$0] > 0.5) != (theirs[$0] > 0.5) }
        #expect(flipped.allSatisfy { abs(theirs[$0] - 0.5) < 1e-4 })
        // …and the binary resynthesis itself matches when given the reference's own mask.
        var c = STFTConfiguration(fftSize: 1022, hop: 256)
        c.output = .complex
        let referenceMask = Tensor(shape: [512, 128], values: theirs).permuted([1, 0]).scalars
        let binaryAudio = try SpectralMask(.binary(threshold: 0.5)).separate(audio, mask: referenceMask, configuration: c).map { min(1, max(-1, $0)) }
        #expect(Self.relative(binaryAudio, try reference.tensor(named: "binary_source0")) <= 1e-4)
    }

    /// Region pooling: the frame net over a whole 48×80 picture, each region's vector pooled from the
    /// feature pixels its box covers, and that region's separation — against the reference script.
    @Test func regionsArePooledFromOneFeatureMapLikeTheReference() throws {
        let regions = try SafetensorsFile(url: SoundOfPixelsFixture.url("regions.safetensors"))
        let model = try SoundOfPixelsFixture.model(binary: true)
        let frames = try regions.tensor(named: "frames")
        #expect(frames.shape == [3, 3, 48, 80])
        let features = model.frameFeatures(frames)
        #expect(features.shape[2] == 3 && features.shape[3] == 5)
        let boxes = try regions.tensor(named: "boxes").scalars.map { Int($0) }
        let vectors = (0..<2).map { i in
            let range = SoundOfPixels.featureRange(of: (boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3]),
                                                   imageWidth: 80, imageHeight: 48, featureWidth: 5, featureHeight: 3)
            return model.imageVector(fromFeatures: features, rows: range.rows, columns: range.columns)
        }
        #expect(Self.relative(vectors.flatMap { $0 }, try regions.tensor(named: "vectors")) <= 1e-4)
        // The two regions see different parts of the picture, so their weights differ.
        #expect(zip(vectors[0], vectors[1]).contains { abs($0 - $1) > 1e-3 })
        let audio = try SoundOfPixelsFixture.reference().tensor(named: "audio").scalars
        let separated = try model.separate(window: audio, imageVectors: vectors)
        #expect(Self.relative(separated.sources[1], try regions.tensor(named: "binary_region1")) <= 1e-4)
    }

    @Test func featureRangeCoversEveryTouchedFeaturePixel() {
        let a = SoundOfPixels.featureRange(of: (0, 0, 40, 48), imageWidth: 80, imageHeight: 48, featureWidth: 5, featureHeight: 3)
        #expect(a.rows == 0..<3 && a.columns == 0..<3)
        let b = SoundOfPixels.featureRange(of: (40, 8, 40, 32), imageWidth: 80, imageHeight: 48, featureWidth: 5, featureHeight: 3)
        #expect(b.rows == 0..<3 && b.columns == 2..<5)
        // A box smaller than a feature pixel still gets one.
        let c = SoundOfPixels.featureRange(of: (79, 47, 1, 1), imageWidth: 80, imageHeight: 48, featureWidth: 5, featureHeight: 3)
        #expect(c.rows == 2..<3 && c.columns == 4..<5)
    }

    @Test func framePreprocessingMatchesTheRepositoryTransform() throws {
        // Pillow bicubic resize (shorter side 16), centre crop with Python's round, ImageNet normalisation.
        let file = try SafetensorsFile(url: SoundOfPixelsFixture.url("frames.safetensors"))
        let source = try file.tensor(named: "frame")
        let (height, width) = (source.shape[0], source.shape[1])
        let frame = VideoFrame(layout: .rgb24, width: width, height: height, stride: width * 3,
                               bytes: SharedArray(source.scalars.map { UInt8($0) }), pts: 0, timeBase: Rational(1, 25), frameIndex: 0, seconds: 0)
        var configuration = SoundOfPixelsFixture.configuration
        configuration.imageSize = 16
        let model = try SoundOfPixels(weightsAt: SoundOfPixelsFixture.url("weights.safetensors"), configuration: configuration)
        let ours = try model.frameTensor([frame, frame])
        let reference = try file.tensor(named: "pixels")
        #expect(ours.shape == [2, 3, 16, 16])
        // Every resized byte equal: what is left is float rounding.
        #expect(maxDifference(Array(ours.scalars[0..<(3 * 256)]), reference.scalars) < 1e-5)
    }

    @Test func windowOfWrongLengthIsRejected() throws {
        let model = try SoundOfPixelsFixture.model()
        #expect(throws: SoundOfPixelsError.self) { try model.analyze([Float](repeating: 0, count: 20000)) }
    }

    @Test func longRecordingCrossFadesWindows() throws {
        let reference = try SoundOfPixelsFixture.reference()
        let model = try SoundOfPixelsFixture.model(binary: false)
        let window = try reference.tensor(named: "audio").scalars
        let frames = try reference.tensor(named: "frames0")
        let audio = window + window.prefix(20000)              // 52767 samples: two windows
        var centres: [Double] = []
        let out = try model.separateRecording(audio, sources: 1, overlap: 8192) { _, centre in
            centres.append(centre)
            return frames
        }
        #expect(out[0].count == audio.count)
        #expect(centres.count == 2)
        // Before the first overlap only the first window contributes, unweighted.
        let single = try model.separate(window: window, frames: [frames]).sources[0]
        let hop = 32767 - 8192
        #expect(zip(out[0].prefix(hop), single.prefix(hop)).allSatisfy { abs($0 - $1) <= 1e-6 })
        #expect(out[0].allSatisfy { $0.isFinite })
    }
}
