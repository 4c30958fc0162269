import Foundation
import Testing
import TandemCore
@testable import TandemModels

/// The second-reading rule: which windows are unsure, how confident a reading is, which reading is kept.
struct WhisperSecondReadingTests {
    static func segment(seek: Int = 0, logProbability: Double, compression: Double = 1.2, noSpeech: Double = 0.01,
                        temperature: Float = 0, tokens: Int = 10, text: String = " words") -> WhisperSegment {
        WhisperSegment(id: 0, seek: seek, start: 0, end: 1, text: text, tokens: Array(0..<tokens), temperature: temperature,
                       averageLogProbability: logProbability, compressionRatio: compression, noSpeechProbability: noSpeech)
    }

    @Test func eachOfWhispersSignalsMakesAWindowUnsure() {
        let rule = WhisperSecondReading()
        #expect(!rule.isUnsure([Self.segment(logProbability: -0.2)]), "a confident window is read once")
        #expect(!rule.isUnsure([]), "no text, nothing to doubt")
        #expect(rule.isUnsure([Self.segment(logProbability: rule.unsureLogProbability - 0.01)]))
        #expect(rule.isUnsure([Self.segment(logProbability: -0.2, compression: rule.unsureCompressionRatio + 0.1)]))
        #expect(rule.isUnsure([Self.segment(logProbability: -0.2, noSpeech: rule.unsureNoSpeechProbability + 0.1)]))
        #expect(rule.isUnsure([Self.segment(logProbability: -0.2, temperature: 0.2)]))
        // One unsure segment makes its window unsure.
        #expect(rule.isUnsure([Self.segment(logProbability: -0.2), Self.segment(logProbability: -0.9)]))
    }

    @Test func confidenceIsTheTokenWeightedLogProbability() throws {
        #expect(WhisperSecondReading.confidence([]) == nil)
        let value = try #require(WhisperSecondReading.confidence([Self.segment(logProbability: -0.2, tokens: 30),
                                                                 Self.segment(logProbability: -1.0, tokens: 10)]))
        #expect(abs(value - (-0.4)) < 1e-12)
    }

    @Test func theMoreConfidentReadingIsKept() {
        let rule = WhisperSecondReading()
        let first = [Self.segment(logProbability: -0.9, text: " first")]
        let better = [Self.segment(logProbability: -0.4, text: " second")]
        let worse = [Self.segment(logProbability: -1.2, text: " second")]
        #expect(rule.preferred(first: first, second: better).segments.map(\.text) == [" second"])
        #expect(rule.preferred(first: first, second: better).tookSecond)
        #expect(rule.preferred(first: first, second: worse).segments.map(\.text) == [" first"])
        #expect(!rule.preferred(first: first, second: []).tookSecond, "an empty second reading never replaces text")
    }

    @Test func segmentsAreGroupedByTheirWindow() {
        let groups = WhisperSecondReading.windows([Self.segment(seek: 0, logProbability: -0.2), Self.segment(seek: 0, logProbability: -0.2),
                                                   Self.segment(seek: 2400, logProbability: -0.8)])
        #expect(groups.map(\.count) == [2, 1])
        #expect(groups.map { $0[0].seek } == [0, 2400])
    }
}
