import Foundation

extension ResizeMode {
    /// Parses the short form used on the command line and in pipeline parameters: `none`, `WxH`
    /// (exact), `S` (shorter side), `max:S` (shorter side at most S, never enlarged), `S/WxH` (shorter
    /// side, then the centred W×H) and `box:WxH` (letterbox). Sizes are positive integers. Returns
    /// `nil` for anything else.
    public init?(parsing text: String) {
        func size(_ part: Substring) -> (width: Int, height: Int)? {
            let numbers = part.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
            guard numbers.count == 2, let width = numbers[0], let height = numbers[1], width > 0, height > 0 else { return nil }
            return (width, height)
        }
        func side(_ part: Substring) -> Int? { Int(part).flatMap { $0 > 0 ? $0 : nil } }
        let text = text.trimmingCharacters(in: .whitespaces).lowercased()
        if text == "none" {
            self = .none
        } else if text.hasPrefix("box:") {
            guard let (width, height) = size(text.dropFirst(4)) else { return nil }
            self = .letterbox(width: width, height: height)
        } else if text.hasPrefix("max:") {
            guard let side = side(text.dropFirst(4)) else { return nil }
            self = .shorterSideAtMost(side)
        } else if let slash = text.firstIndex(of: "/") {
            guard let side = side(text[..<slash]), let (width, height) = size(text[text.index(after: slash)...]) else { return nil }
            self = .shorterSideCenterCrop(side: side, width: width, height: height)
        } else if let side = side(Substring(text)) {
            self = .shorterSide(side)
        } else if let (width, height) = size(Substring(text)) {
            self = .exact(width: width, height: height)
        } else {
            return nil
        }
    }
}
