/// The type of a node parameter, with its allowed range where one applies.
public enum ParameterType: Sendable, Hashable, CustomStringConvertible {
    case int(ClosedRange<Int>?)
    case double(ClosedRange<Double>?)
    case bool
    case string
    /// One of a fixed set of words.
    case choice([String])
    /// An output path template relative to the output folder (`{relpath}_{index}.png`); see `PathTemplate`.
    case pathTemplate

    public var description: String {
        switch self {
        case .int(let r): r.map { "int in \($0.lowerBound)...\($0.upperBound)" } ?? "int"
        case .double(let r): r.map { "number in \($0.lowerBound)...\($0.upperBound)" } ?? "number"
        case .bool: "bool"
        case .string: "string"
        case .choice(let words): "one of \(words.joined(separator: "|"))"
        case .pathTemplate: "path template"
        }
    }
}

/// A parameter value as it comes from YAML or code.
public enum ParameterValue: Sendable, Hashable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)

    public var description: String {
        switch self {
        case .int(let v): String(v)
        case .double(let v): String(v)
        case .bool(let v): String(v)
        case .string(let v): v
        }
    }

    /// Checks the value against `type`, converting where YAML's spelling is looser than the type
    /// (an int where a number or a text is wanted).
    /// - Returns: the converted value, or a message saying what is wrong.
    public func checked(as type: ParameterType) -> Result<ParameterValue, ParameterProblem> {
        switch (type, self) {
        case (.int(let range), .int(let v)):
            if let range, !range.contains(v) { return .failure(.outOfRange("\(v) is outside \(range.lowerBound)...\(range.upperBound)")) }
            return .success(self)
        case (.double, .int(let v)):
            return ParameterValue.double(Double(v)).checked(as: type)
        case (.double(let range), .double(let v)):
            if let range, !range.contains(v) { return .failure(.outOfRange("\(v) is outside \(range.lowerBound)...\(range.upperBound)")) }
            return .success(self)
        case (.bool, .bool), (.string, .string), (.pathTemplate, .string):
            return .success(self)
        case (.string, .int(let v)):
            // YAML (and `--set sources=2`) spells a number where a free-form text parameter reads one
            // ("auto" or a count): the node gets its text and judges it.
            return .success(.string(String(v)))
        case (.choice(let words), .string(let v)):
            if words.contains(v) { return .success(self) }
            let hint = EditDistance.suggestion(for: v, among: words).map { " (did you mean '\($0)'?)" } ?? ""
            return .failure(.outOfRange("'\(v)' is not one of \(words.joined(separator: ", "))\(hint)"))
        default:
            return .failure(.wrongType("expected \(type), got \(typeName) '\(self)'"))
        }
    }

    var typeName: String {
        switch self {
        case .int: "int"
        case .double: "number"
        case .bool: "bool"
        case .string: "string"
        }
    }
}

/// Why a parameter value was refused.
public enum ParameterProblem: Error, Sendable, Equatable {
    case wrongType(String)
    case outOfRange(String)

    public var message: String {
        switch self {
        case .wrongType(let m), .outOfRange(let m): m
        }
    }
}

/// One declared parameter of a node kind.
public struct ParameterSpec: Sendable, Hashable {
    public var name: String
    public var type: ParameterType
    /// `nil` means the parameter is required.
    public var defaultValue: ParameterValue?
    public var doc: String

    public init(_ name: String, _ type: ParameterType, default defaultValue: ParameterValue?, _ doc: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.doc = doc
    }
}

/// The checked parameter values a node is built from (defaults filled in).
public struct NodeParameters: Sendable {
    public private(set) var values: [String: ParameterValue]

    public init(_ values: [String: ParameterValue] = [:]) { self.values = values }

    /// Fills defaults and checks every value against `descriptor`; used when nodes are built from code.
    /// - Throws: `ParameterProblem` for an unknown, missing or ill-typed parameter.
    public init(_ values: [String: ParameterValue], for descriptor: NodeDescriptor) throws {
        var checked: [String: ParameterValue] = [:]
        for (name, value) in values {
            guard let spec = descriptor.parameter(name) else { throw ParameterProblem.wrongType("\(descriptor.kind) has no parameter '\(name)'") }
            checked[name] = try value.checked(as: spec.type).get()
        }
        for spec in descriptor.parameters where checked[spec.name] == nil {
            guard let value = spec.defaultValue else { throw ParameterProblem.wrongType("\(descriptor.kind) needs parameter '\(spec.name)'") }
            checked[spec.name] = value
        }
        self.values = checked
    }

    public subscript(name: String) -> ParameterValue? { values[name] }

    public func int(_ name: String) -> Int {
        if case .int(let v) = values[name] { return v }
        preconditionFailure("parameter \(name) is not an int; validation should have caught it")
    }

    public func double(_ name: String) -> Double {
        switch values[name] {
        case .double(let v): return v
        case .int(let v): return Double(v)
        default: preconditionFailure("parameter \(name) is not a number; validation should have caught it")
        }
    }

    public func bool(_ name: String) -> Bool {
        if case .bool(let v) = values[name] { return v }
        preconditionFailure("parameter \(name) is not a bool; validation should have caught it")
    }

    public func string(_ name: String) -> String {
        if case .string(let v) = values[name] { return v }
        preconditionFailure("parameter \(name) is not a string; validation should have caught it")
    }
}
