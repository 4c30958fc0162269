import TandemCore

extension NodeCatalog {
    /// Every node kind Tandem ships, as `tandem run` and `tandem nodes` see them.
    /// Each layer's nodes are added with one `register` line.
    public static let standard: NodeCatalog = {
        var catalog = NodeCatalog()
        catalog.register(DecodeNode.self)
        catalog.register(SampleFramesNode.self)
        catalog.register(ResampleNode.self)
        catalog.register(WriteAudioNode.self)
        catalog.register(WriteFramesNode.self)
        catalog.register(WriteVideoNode.self)
        catalog.register(WriteJSONNode.self)
        catalog.register(WriteTensorNode.self)
        catalog.register(STFTNode.self)
        catalog.register(InverseSTFTNode.self)
        catalog.register(MelNode.self)
        catalog.register(LogMelNode.self)
        catalog.register(SpectrogramImageNode.self)
        catalog.register(WriteImageNode.self)
        catalog.register(TimesformerNode.self)
        catalog.register(WhisperNode.self)
        catalog.register(VADNode.self)
        catalog.register(WriteTranscriptNode.self)
        catalog.register(SeparateNode.self)
        catalog.register(SoundOfPixelsNode.self)
        catalog.register(WriteSourcesNode.self)
        catalog.register(GenerateAudioNode.self)
        catalog.register(WriteClipsNode.self)
        catalog.register(FaceTrackNode.self)
        catalog.register(MouthROINode.self)
        catalog.register(LipActivityNode.self)
        catalog.register(AVFusionNode.self)
        catalog.register(AssignSpeakersNode.self)
        return catalog
    }()
}
