import Foundation
import Testing
import TandemCore
@testable import TandemModels

@Suite struct WhisperTranscriptFormatsTests {
    let segments = [
        TranscriptSegment(start: 0, end: 3.2, text: " The quick brown fox.", tokens: [50363, 383], averageLogProbability: -0.25,
                          noSpeechProbability: 0.03),
        TranscriptSegment(start: 3725.0004, end: 3727.5, text: " A --> B ", tokens: [], averageLogProbability: -0.5, noSpeechProbability: 0.1,
                          speaker: "left"),
    ]

    @Test func timestamps() {
        #expect(TranscriptFormat.timestamp(3.2, alwaysHours: true, decimal: ",") == "00:00:03,200")
        #expect(TranscriptFormat.timestamp(3725.0004, alwaysHours: false, decimal: ".") == "01:02:05.000")
        #expect(TranscriptFormat.timestamp(59.9996, alwaysHours: false, decimal: ".") == "01:00.000")
        #expect(TranscriptFormat.timestamp(-1, alwaysHours: true, decimal: ",") == "00:00:00,000")
    }

    @Test func subRipAndWebVTTAndText() {
        #expect(TranscriptFormat.srt.render(segments) == """
            1
            00:00:00,000 --> 00:00:03,200
            The quick brown fox.

            2
            01:02:05,000 --> 01:02:07,500
            A -> B


            """)
        #expect(TranscriptFormat.vtt.render(segments) == """
            WEBVTT

            00:00.000 --> 00:03.200
            The quick brown fox.

            01:02:05.000 --> 01:02:07.500
            A -> B


            """)
        #expect(TranscriptFormat.txt.render(segments) == "The quick brown fox.\nA -> B\n")
        #expect(TranscriptFormat.txt.render([]) == "" && TranscriptFormat.vtt.render([]) == "WEBVTT\n\n")
    }

    @Test func jsonCarriesTimesTokensAndProbabilities() throws {
        let text = TranscriptFormat.json.render(segments)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        #expect(object["text"] as? String == " The quick brown fox. A --> B ")
        let first = (object["segments"] as! [[String: Any]])[0]
        #expect(first["tokens"] as? [Int] == [50363, 383])
        #expect(first["avg_logprob"] as? Double == -0.25)
        #expect(first["end"] as? Double == 3.2)
        #expect((object["segments"] as! [[String: Any]])[1]["speaker"] as? String == "left")
    }
}
