import Foundation
import Testing
@testable import TandemReport

@Suite struct HTMLTests {
    @Test func escapesMarkupAndQuotes() {
        #expect(HTML.escape(#"<script>alert("x")</script> & 'y'"#) == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;")
        #expect(HTML.escape("plain ünïcode") == "plain ünïcode")
    }

    @Test func scriptJSONCannotCloseItsElement() throws {
        let text = "</script><!-- \u{2028} & >"
        let json = try HTML.scriptJSON([text])
        #expect(!json.contains("<"))
        #expect(!json.contains(">"))
        #expect(!json.contains("&"))
        #expect(!json.contains("\u{2028}"))
        #expect(try JSONDecoder().decode([String].self, from: Data(json.utf8)) == [text])
    }

    @Test func urlsEncodeEachComponent() {
        #expect(HTML.url("../../a b/#1?.wav") == "../../a%20b/%231%3F.wav")
        #expect(HTML.url(#"x/<script>"q".mp4"#) == "x/%3Cscript%3E%22q%22.mp4")
    }

    @Test func timestampsAreUTC() {
        #expect(BatchReport.timestamp(0) == "1970-01-01 00:00:00 UTC")
        #expect(BatchReport.timestamp(1_764_880_267.9) == "2025-12-04 20:31:07 UTC")
    }
}
