import Foundation

/// Escaping for the report's pages: every string that comes from an input (file names, transcripts,
/// error messages, labels) goes through one of these before it reaches HTML.
///
/// File names and transcripts can hold `<script>`, quotes and ampersands; the page must show them
/// as text, never run or parse them.
public enum HTML {
    /// Text for an element's content or a double- or single-quoted attribute value.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// JSON that can sit inside a `<script>` element (or a `.js` file) as is.
    ///
    /// `</script>` inside a string would end the element, `<!--` would start an HTML comment, and
    /// U+2028/U+2029 end lines in older JavaScript parsers: `<`, `>`, `&` and those two are written
    /// as `\uXXXX` escapes, which JSON and JavaScript read back as the same characters.
    public static func scriptJSON<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "<": result += "\\u003c"
            case ">": result += "\\u003e"
            case "&": result += "\\u0026"
            case "\u{2028}": result += "\\u2028"
            case "\u{2029}": result += "\\u2029"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A relative URL for a path made of `/`-separated components, each percent-encoded, so names
    /// with `#`, `?`, `%`, spaces or quotes still point at their file (pages still pass it through
    /// `escape` when writing an attribute, so no attribute is ever written unescaped).
    public static func url(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { component in
            component == ".." || component == "." ? String(component)
                : String(component).addingPercentEncoding(withAllowedCharacters: unreserved) ?? String(component)
        }.joined(separator: "/")
    }

    /// RFC 3986 unreserved characters: everything else in a path component is percent-encoded.
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// `1.23 s`, `2 min 03 s`, `1 h 02 min` for durations.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "–" }
        if seconds < 60 { return String(format: seconds < 10 ? "%.2f s" : "%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
        return String(format: "%d h %02d min", whole / 3600, (whole % 3600) / 60)
    }

    /// `12.3 MB` style sizes (powers of 1000, as file managers show them).
    public static func size(_ bytes: Int64) -> String {
        guard bytes >= 0 else { return "–" }
        if bytes < 1000 { return "\(bytes) B" }
        let units = ["kB", "MB", "GB", "TB"]
        var value = Double(bytes) / 1000
        var unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return String(format: value < 10 ? "%.2f %@" : "%.1f %@", value, units[unit])
    }

    /// `mm:ss.s` for positions in a player.
    public static func clock(_ seconds: Double) -> String {
        let value = max(0, seconds)
        let minutes = Int(value / 60)
        return String(format: "%d:%04.1f", minutes, value - Double(minutes * 60))
    }
}
