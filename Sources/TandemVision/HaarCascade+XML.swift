import Foundation

extension HaarCascade {
    /// Parses the text of a new-style OpenCV cascade XML file.
    ///
    /// The layout (`opencv_storage/cascade` with `stages/_/weakClassifiers/_/internalNodes` holding
    /// "left right featureIdx threshold" quadruples and `features/_/rects/_` holding "x y w h weight")
    /// is the one written by `opencv_traincascade`; old-style `haarcascade_*` trees are not read.
    /// - Throws: `VisionError(.cascadeMalformed)` naming the missing or wrong element.
    public init(xml: String) throws {
        let root = try CascadeXMLElement.parse(xml)
        guard let cascade = root.child("cascade") ?? (root.name == "cascade" ? root : nil) else {
            throw VisionError(.cascadeMalformed, "no <cascade> element (an old-style cascade?)")
        }
        let stageType = cascade.child("stageType")?.text ?? ""
        let featureType = cascade.child("featureType")?.text ?? ""
        guard stageType == "BOOST" else { throw VisionError(.cascadeMalformed, "stageType \(stageType.debugDescription), only BOOST is supported") }
        guard featureType == "HAAR" else { throw VisionError(.cascadeMalformed, "featureType \(featureType.debugDescription), only HAAR is supported") }
        guard let width = cascade.child("width").flatMap({ Int($0.text) }),
              let height = cascade.child("height").flatMap({ Int($0.text) }), width > 2, height > 2 else {
            throw VisionError(.cascadeMalformed, "missing or too small <width>/<height>")
        }
        if let maxCat = cascade.child("featureParams")?.child("maxCatCount").flatMap({ Int($0.text) }), maxCat != 0 {
            throw VisionError(.cascadeMalformed, "maxCatCount \(maxCat): categorical (LBP-style) splits are not Haar")
        }
        guard let stageList = cascade.child("stages")?.children, !stageList.isEmpty else {
            throw VisionError(.cascadeMalformed, "no <stages>")
        }
        guard let featureList = cascade.child("features")?.children, !featureList.isEmpty else {
            throw VisionError(.cascadeMalformed, "no <features>")
        }

        var features: [Feature] = []
        features.reserveCapacity(featureList.count)
        for (index, element) in featureList.enumerated() {
            guard let rectList = element.child("rects")?.children, (1...3).contains(rectList.count) else {
                throw VisionError(.cascadeMalformed, "feature \(index) needs 1 to 3 <rects>")
            }
            var rects: [WeightedRect] = []
            for rect in rectList {
                let v = rect.text.split(whereSeparator: \.isWhitespace)
                guard v.count == 5, let x = Int(v[0]), let y = Int(v[1]), let w = Int(v[2]), let h = Int(v[3]),
                      let weight = Float(v[4]) else {
                    throw VisionError(.cascadeMalformed, "feature \(index): rect \(rect.text.debugDescription) is not \"x y w h weight\"")
                }
                rects.append(WeightedRect(x: x, y: y, width: w, height: h, weight: weight))
            }
            let tilted = (element.child("tilted").flatMap { Int($0.text) } ?? 0) != 0
            features.append(Feature(rects: rects, tilted: tilted))
        }

        var stages: [Stage] = []
        for (s, element) in stageList.enumerated() {
            guard let threshold = element.child("stageThreshold").flatMap({ Double($0.text) }) else {
                throw VisionError(.cascadeMalformed, "stage \(s) has no <stageThreshold>")
            }
            guard let weakList = element.child("weakClassifiers")?.children, !weakList.isEmpty else {
                throw VisionError(.cascadeMalformed, "stage \(s) has no <weakClassifiers>")
            }
            var trees: [Tree] = []
            for (t, weak) in weakList.enumerated() {
                let numbers = (weak.child("internalNodes")?.text ?? "").split(whereSeparator: \.isWhitespace)
                let leafText = (weak.child("leafValues")?.text ?? "").split(whereSeparator: \.isWhitespace)
                guard !numbers.isEmpty, numbers.count % 4 == 0 else {
                    throw VisionError(.cascadeMalformed, "stage \(s) tree \(t): internalNodes must be quadruples")
                }
                var nodes: [Node] = []
                for q in stride(from: 0, to: numbers.count, by: 4) {
                    guard let left = Int(numbers[q]), let right = Int(numbers[q + 1]), let feature = Int(numbers[q + 2]),
                          let split = Double(numbers[q + 3]), features.indices.contains(feature) else {
                        throw VisionError(.cascadeMalformed, "stage \(s) tree \(t): bad node \(numbers[q..<q + 4].joined(separator: " "))")
                    }
                    nodes.append(Node(left: left, right: right, featureIndex: feature, threshold: Float(split)))
                }
                let leaves = leafText.compactMap { Double($0).map(Float.init) }
                guard leaves.count == leafText.count, leaves.count == nodes.count + 1 else {
                    throw VisionError(.cascadeMalformed, "stage \(s) tree \(t): \(leafText.count) leaves for \(nodes.count) nodes")
                }
                for node in nodes where node.left >= nodes.count || node.right >= nodes.count || -node.left > nodes.count || -node.right > nodes.count {
                    throw VisionError(.cascadeMalformed, "stage \(s) tree \(t): child index out of range in \(node)")
                }
                trees.append(Tree(nodes: nodes, leaves: leaves))
            }
            // OpenCV lowers every stage threshold by 1e-5 when loading, so a sum equal to it in float passes.
            stages.append(Stage(threshold: Float(threshold) - 1e-5, trees: trees))
        }
        self.init(windowWidth: width, windowHeight: height, stages: stages, features: features)
    }
}

/// A minimal XML element tree: enough for OpenCV's FileStorage XML (elements, text, comments,
/// the `<?xml?>` declaration, attributes ignored). Kept private to cascade parsing.
struct CascadeXMLElement {
    var name: String
    var text: String = ""
    var children: [CascadeXMLElement] = []

    func child(_ name: String) -> CascadeXMLElement? { children.first { $0.name == name } }

    static func parse(_ source: String) throws -> CascadeXMLElement {
        let bytes = Array(source.utf8)
        var i = 0
        var stack: [CascadeXMLElement] = [CascadeXMLElement(name: "#document")]
        func starts(with pattern: [UInt8], at start: Int) -> Bool {
            start + pattern.count <= bytes.count && bytes[start..<start + pattern.count].elementsEqual(pattern)
        }
        func find(_ pattern: [UInt8], from start: Int) -> Int? {
            guard pattern.count <= bytes.count else { return nil }
            var j = start
            while j + pattern.count <= bytes.count {
                if bytes[j] == pattern[0] && starts(with: pattern, at: j) { return j }
                j += 1
            }
            return nil
        }
        while i < bytes.count {
            if bytes[i] != UInt8(ascii: "<") {
                let end = bytes[i...].firstIndex(of: UInt8(ascii: "<")) ?? bytes.count
                stack[stack.count - 1].text += String(decoding: bytes[i..<end], as: UTF8.self)
                i = end
                continue
            }
            if starts(with: Array("<!--".utf8), at: i) {
                guard let end = find(Array("-->".utf8), from: i + 4) else { throw VisionError(.cascadeMalformed, "unterminated comment") }
                i = end + 3
                continue
            }
            guard let close = bytes[i...].firstIndex(of: UInt8(ascii: ">")) else { throw VisionError(.cascadeMalformed, "unterminated tag") }
            let tag = String(decoding: bytes[(i + 1)..<close], as: UTF8.self)
            i = close + 1
            if tag.hasPrefix("?") || tag.hasPrefix("!") { continue }
            if tag.hasPrefix("/") {
                let name = String(tag.dropFirst()).trimmingCharacters(in: .whitespaces)
                guard stack.count > 1, stack[stack.count - 1].name == name else {
                    throw VisionError(.cascadeMalformed, "unexpected </\(name)>")
                }
                var done = stack.removeLast()
                done.text = done.text.trimmingCharacters(in: .whitespacesAndNewlines)
                stack[stack.count - 1].children.append(done)
                continue
            }
            let selfClosing = tag.hasSuffix("/")
            let body = selfClosing ? String(tag.dropLast()) : tag
            let name = String(body.split(whereSeparator: \.isWhitespace).first ?? "")
            guard !name.isEmpty else { throw VisionError(.cascadeMalformed, "empty tag name") }
            if selfClosing {
                stack[stack.count - 1].children.append(CascadeXMLElement(name: name))
            } else {
                stack.append(CascadeXMLElement(name: name))
            }
        }
        guard stack.count == 1, let root = stack[0].children.first else {
            throw VisionError(.cascadeMalformed, "unbalanced XML (\(stack.count - 1) unclosed elements)")
        }
        return root
    }
}
