import Foundation

/// A boosted cascade of Haar-like features, as OpenCV's `CascadeClassifier` stores it.
///
/// Read from the "new style" `opencv_storage/cascade` XML (stageType BOOST, featureType HAAR) that
/// Debian's `opencv-data` installs under `/usr/share/opencv4/haarcascades`. The trained numbers are
/// kept exactly as written; evaluation (`HaarCascade+Evaluation.swift`) follows OpenCV's
/// `cascadedetect.cpp` so the same windows pass.
public struct HaarCascade: Sendable {
    /// One weighted rectangle of a feature, in window coordinates.
    public struct WeightedRect: Sendable, Hashable {
        public var x: Int, y: Int, width: Int, height: Int
        public var weight: Float
    }

    /// A Haar-like feature: the weighted sum of up to three rectangle sums, upright or rotated 45°.
    public struct Feature: Sendable, Hashable {
        public var rects: [WeightedRect]
        /// Rotated by 45°: the rectangles are summed with the tilted integral image.
        public var tilted: Bool
    }

    /// A split of a weak tree: go `left` when the normalised feature value is below `threshold`.
    /// A child index `> 0` is a node of the same tree, `<= 0` is leaf `-index`.
    public struct Node: Sendable, Hashable {
        public var left: Int
        public var right: Int
        public var featureIndex: Int
        public var threshold: Float
    }

    /// A weak classifier: a small decision tree (a single node, "stump", in the stock cascades).
    public struct Tree: Sendable, Hashable {
        public var nodes: [Node]
        public var leaves: [Float]
    }

    /// A boosted stage: the window passes when the sum of its trees' leaves reaches `threshold`.
    public struct Stage: Sendable, Hashable {
        /// The XML's `stageThreshold` less 1e-5, as OpenCV loads it (so float ties pass).
        public var threshold: Float
        public var trees: [Tree]
    }

    /// The training window size; detections are this size times the scale they were found at.
    public var windowWidth: Int
    public var windowHeight: Int
    public var stages: [Stage]
    public var features: [Feature]

    /// Whether any feature is tilted, so the tilted integral image must be computed.
    public var hasTiltedFeatures: Bool { features.contains { $0.tilted } }
    /// Whether every tree is a single split, the case OpenCV evaluates with its stump fast path.
    public var isStumpBased: Bool { stages.allSatisfy { $0.trees.allSatisfy { $0.nodes.count == 1 } } }

    /// Where Debian's `opencv-data` installs the stock cascades.
    public static let systemDirectory = URL(fileURLWithPath: "/usr/share/opencv4/haarcascades")

    public init(windowWidth: Int, windowHeight: Int, stages: [Stage], features: [Feature]) {
        self.windowWidth = windowWidth
        self.windowHeight = windowHeight
        self.stages = stages
        self.features = features
    }

    /// Loads a stock cascade by name, e.g. `frontalface_default` or `smile`, from `systemDirectory`.
    /// - Throws: `VisionError(.cascadeUnreadable)` when the file is missing (install `opencv-data`),
    ///   `VisionError(.cascadeMalformed)` when it is not a Haar BOOST cascade.
    public static func stock(_ name: String) throws -> HaarCascade {
        try HaarCascade(contentsOf: systemDirectory.appendingPathComponent("haarcascade_\(name).xml"))
    }

    /// Loads a cascade XML file.
    /// - Throws: `VisionError(.cascadeUnreadable)` or `VisionError(.cascadeMalformed)`, naming the file.
    public init(contentsOf url: URL) throws {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw VisionError(.cascadeUnreadable, "\(url.path): \(error.localizedDescription) (Debian package opencv-data installs the stock cascades)")
        }
        do {
            try self.init(xml: text)
        } catch var error as VisionError {
            error.message = "\(url.path): \(error.message)"
            throw error
        }
    }
}
