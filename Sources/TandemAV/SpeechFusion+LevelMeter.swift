import Foundation

extension SpeechFusion {
    /// The mean-square power of every `hop` samples of a recording, measured as its audio arrives.
    ///
    /// The fusion needs the audio only as these levels (and the voice track): keeping them instead of the
    /// samples is 8 bytes a frame, 256 times less than the samples at Silero's 512-sample hop. Feeding a
    /// recording in any split gives the same values, bit for bit, as feeding it whole: every hop's sum is
    /// accumulated in sample order either way.
    public struct LevelMeter: Sendable {
        /// A finished recording's levels: what `SpeechFusion.map(levels:sampleRate:voice:lips:visible:)` reads.
        public struct Levels: Sendable, Equatable {
            public var hop: Int
            /// One value per hop, the last one over the samples left (fewer than `hop`).
            public var power: [Double]
            public var sampleCount: Int
        }

        public let hop: Int
        /// The power of every complete hop so far.
        public private(set) var power: [Double] = []
        /// Samples taken so far.
        public private(set) var sampleCount = 0
        private var sum = 0.0
        private var filled = 0

        public init(hop: Int) {
            precondition(hop > 0, "a level meter needs a positive hop")
            self.hop = hop
        }

        /// Takes the next samples.
        /// - Returns: the power of the hops they complete, in order.
        /// - Complexity: O(samples.count).
        @discardableResult
        public mutating func append<C: Collection>(_ samples: C) -> ArraySlice<Double> where C.Element == Float {
            let before = power.count
            for x in samples {
                sum += Double(x) * Double(x)
                filled += 1
                if filled == hop {
                    power.append(sum / Double(hop))
                    sum = 0
                    filled = 0
                }
            }
            sampleCount += samples.count
            return power[before...]
        }

        /// The power of the hop still incomplete (nil when the samples so far fill whole hops).
        public var partial: Double? { filled > 0 ? sum / Double(filled) : nil }

        /// Every hop's power, the incomplete last one included.
        public func finished() -> Levels {
            Levels(hop: hop, power: partial.map { power + [$0] } ?? power, sampleCount: sampleCount)
        }

        /// The level in dBFS of each hop, averaged in the power domain over `radius` hops either side (fewer at
        /// the ends): a syllable's dip is not a pause, and noise's hop-to-hop flicker is smoothed away.
        /// - Complexity: O(power.count).
        public static func smoothedDecibels(_ power: [Double], radius: Int) -> [Double] {
            var prefix = [Double](repeating: 0, count: power.count + 1)
            for (i, p) in power.enumerated() { prefix[i + 1] = prefix[i] + p }
            return power.indices.map { i in
                let a = max(0, i - radius), b = min(power.count, i + radius + 1)
                return 10 * log10((prefix[b] - prefix[a]) / Double(b - a) + 1e-12)
            }
        }
    }
}
