import TandemCore

extension WhisperTranscriber {
    /// Times the words of one window's pieces and moves their bounds to the words (faster-whisper
    /// `add_word_timestamps` for one window).
    /// - Parameters:
    ///   - segmentSize: mel frames of content in the window (the rest is zero padding).
    ///   - windowSeek: mel frame at which the window starts.
    ///   - lastSpeechTimestamp: end of the last word before the window.
    /// - Throws: ``WhisperAlignmentError`` when the model cannot align or its heads do not fit it.
    func timeWords(_ pieces: [Piece], encoded: Model.Encoded, segmentSize: Int, windowSeek: Int, lastSpeechTimestamp: Double,
                   options: WhisperDecodingOptions) throws -> [Piece] {
        var aligner = WhisperWordAligner(tokenizer: tokenizer, language: options.language)
        aligner.prependPunctuations = options.prependPunctuations
        aligner.appendPunctuations = options.appendPunctuations
        let textTokens = pieces.flatMap { $0.tokens.filter { $0 < tokenizer.endOfText } }
        let startSequence = tokenizer.startSequence(language: options.language,
                                                    task: options.task == .translate ? tokenizer.translate : tokenizer.transcribe)
        var alignment: [WhisperWordAligner.Timing] = []
        if !textTokens.isEmpty, segmentSize / Self.inputStride > 0 {
            let scores = try model.alignmentScores(aligner.alignmentSequence(startSequence: startSequence, textTokens: textTokens),
                                                   encoded: encoded, frames: segmentSize / Self.inputStride, heads: alignmentHeads,
                                                   textVocabulary: tokenizer.endOfText)
            alignment = aligner.findAlignment(scores: scores, startSequenceLength: startSequence.count, textTokens: textTokens)
        }
        var spans = pieces.map { WhisperWordAligner.Span(start: $0.start, end: $0.end, tokens: $0.tokens) }
        aligner.assignWords(to: &spans, alignment: alignment, windowStart: Double(windowSeek) / 100,
                            lastSpeechTimestamp: lastSpeechTimestamp)
        return zip(pieces, spans).map { piece, span in
            var piece = piece
            piece.start = span.start
            piece.end = span.end
            piece.words = span.words
            return piece
        }
    }
}
