/// An output path relative to the output folder, with placeholders filled per input file:
/// `{stem}` (file name without extension), `{relpath}` (path below the input root, without
/// extension), `{id}` (the writing node's id) and `{index}` (the writer's running number, six digits).
///
/// A template may not be absolute nor contain a `..` component, so no output can escape the
/// output folder; `{relpath}` is built from the walk below an input root and never contains `..`.
public struct PathTemplate: Sendable, Hashable, CustomStringConvertible {
    enum Piece: Sendable, Hashable {
        case literal(String)
        case stem, relpath, id, index
    }

    let pieces: [Piece]
    public let description: String

    public static let placeholders = ["stem", "relpath", "id", "index"]

    /// Parses and checks `text`.
    /// - Throws: `PathTemplate.Problem` naming the first thing wrong.
    public init(_ text: String) throws {
        description = text
        if text.isEmpty { throw Problem(message: "an output path template cannot be empty") }
        if text.hasPrefix("/") || text.hasPrefix("~") {
            throw Problem(message: "output path '\(text)' is absolute; it must be relative to the output folder")
        }
        var pieces: [Piece] = []
        var literal = ""
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            guard character == "{" else {
                if character == "}" { throw Problem(message: "unbalanced '}' in output path '\(text)'") }
                literal.append(character)
                continue
            }
            var name = ""
            var closed = false
            while let c = iterator.next() {
                if c == "}" { closed = true; break }
                name.append(c)
            }
            guard closed else { throw Problem(message: "unclosed '{' in output path '\(text)'") }
            if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" }
            switch name {
            case "stem": pieces.append(.stem)
            case "relpath": pieces.append(.relpath)
            case "id": pieces.append(.id)
            case "index": pieces.append(.index)
            default:
                let hint = EditDistance.suggestion(for: name, among: Self.placeholders).map { " (did you mean '{\($0)}'?)" } ?? ""
                throw Problem(message: "unknown placeholder '{\(name)}' in output path '\(text)'\(hint)")
            }
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        let components = text.split(separator: "/", omittingEmptySubsequences: false)
        if components.contains("..") {
            throw Problem(message: "output path '\(text)' contains '..' and could escape the output folder")
        }
        self.pieces = pieces
    }

    /// Whether the template has an `{index}` placeholder (writers of many files need one).
    public var hasIndex: Bool { pieces.contains(.index) }

    /// The relative output path for one input, node and index.
    public func resolve(input: InputFile, nodeID: String, index: Int = 0) -> String {
        var path = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): path += text
            case .stem: path += input.stem
            case .relpath: path += input.relpathWithoutExtension
            case .id: path += nodeID
            case .index:
                let digits = String(index)
                path += String(repeating: "0", count: max(0, 6 - digits.count)) + digits
            }
        }
        return path
    }

    /// Why a template was refused.
    public struct Problem: Error, Sendable, Equatable {
        public var message: String
    }
}
