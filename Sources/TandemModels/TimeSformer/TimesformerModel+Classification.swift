import TandemNN

/// One label with its score.
public struct LabelScore: Sendable, Equatable, Codable {
    public var index: Int
    public var label: String
    /// Softmax probability (averaged over views when several were given).
    public var probability: Float
}

/// A video's embedding and class scores, averaged over its views.
public struct TimesformerPrediction: Sendable {
    /// [D]: the final-layer-norm cls token (averaged over frames for `space_only`, over views when several).
    public var embedding: Tensor
    /// Class probabilities (softmax of the logits, averaged over views); empty without a classifier head.
    public var probabilities: [Float]
    /// The `k` most probable labels, best first.
    public var top: [LabelScore]
}

extension TimesformerModel {
    /// The clip embedding: the cls token of the last hidden state, [B, D] (or [D] for one clip [T, C, H, W]).
    ///
    /// For `space_only`, where every frame is its own sequence, the frames' cls tokens are averaged.
    public func embed(clip: Tensor) -> Tensor {
        let output = forward(pixelValues: clip)
        return pooledEmbedding(output, single: clip.rank == 4, clips: clip.rank == 4 ? 1 : clip.shape[0])
    }

    func pooledEmbedding(_ output: Output, single: Bool, clips: Int) -> Tensor {
        let last = output.lastHiddenState
        let d = configuration.hiddenSize
        var cls = last.slice(axis: 1, 0..<1).reshaped([last.shape[0], d])
        if configuration.attentionType == .spaceOnly { cls = meanOfGroups(cls, groups: clips) }
        return single ? cls.reshaped([d]) : cls
    }

    /// Averages consecutive rows of [G·k, W] in `groups` groups → [G, W].
    func meanOfGroups(_ x: Tensor, groups: Int) -> Tensor {
        let rowsPerGroup = x.shape[0] / groups, width = x.shape[1]
        let values = x.scalars
        var out = [Float](repeating: 0, count: groups * width)
        for g in 0..<groups {
            for r in 0..<rowsPerGroup { for i in 0..<width { out[g * width + i] += values[(g * rowsPerGroup + r) * width + i] } }
            for i in 0..<width { out[g * width + i] /= Float(rowsPerGroup) }
        }
        return Tensor(shape: [groups, width], values: out)
    }

    /// Classifies one video from one or more views (each a [T, C, H, W] clip: spatial crops ×
    /// temporal clips), averaging the embeddings and the softmax probabilities over the views
    /// as the official multi-view test does.
    /// - Parameter topK: labels to return.
    public func predict(views: [Tensor], topK: Int = 5) -> TimesformerPrediction {
        precondition(!views.isEmpty, "no views to classify")
        var embedding = [Float](repeating: 0, count: configuration.hiddenSize)
        var probabilities = [Float](repeating: 0, count: weights.classifier == nil ? 0 : configuration.numLabels)
        for view in views {
            let output = forward(pixelValues: view)
            let e = pooledEmbedding(output, single: true, clips: 1).scalars
            for i in embedding.indices { embedding[i] += e[i] / Float(views.count) }
            if let logits = output.logits {
                // space_only yields one row per frame (as HF does); average them into one clip score.
                let clipLogits = meanOfGroups(logits, groups: 1)
                let p = clipLogits.softmax().scalars
                for i in probabilities.indices { probabilities[i] += p[i] / Float(views.count) }
            }
        }
        let labels = configuration.labels
        let top = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }.prefix(topK).map {
            LabelScore(index: $0, label: labels[$0], probability: probabilities[$0])
        }
        return TimesformerPrediction(embedding: Tensor(shape: [embedding.count], values: embedding), probabilities: probabilities, top: Array(top))
    }

    /// Logits and the top-k labels for one clip [T, C, H, W].
    public func classify(clip: Tensor, topK: Int = 5) -> (logits: Tensor, top: [LabelScore]) {
        let output = forward(pixelValues: clip)
        guard let logits = output.logits else { return (Tensor(zeros: [0]), []) }
        let clipLogits = meanOfGroups(logits, groups: 1).reshaped([configuration.numLabels])
        let prediction = clipLogits.reshaped([1, -1]).softmax().scalars
        let labels = configuration.labels
        let top = prediction.indices.sorted { prediction[$0] > prediction[$1] }.prefix(topK).map {
            LabelScore(index: $0, label: labels[$0], probability: prediction[$0])
        }
        return (clipLogits, Array(top))
    }
}
