import Testing
@testable import TandemModels

/// The written-out parameter tables of Sound of Pixels list exactly what its layers read.
@Suite struct SoundOfPixelsParameterTests {
    @Test(arguments: [(3, 4, 2, 4), (7, 2, 3, 2)])
    func tablesMatchTheLayers(depth: Int, ngf: Int, channels: Int, frameWidth: Int) {
        #expect(SoundOfPixels.parameterShapes(depth: depth, ngf: ngf, channels: channels, frameWidth: frameWidth)
                == SoundOfPixels.layerParameterShapes(depth: depth, ngf: ngf, channels: channels, frameWidth: frameWidth))
    }
}
