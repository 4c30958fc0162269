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
        return catalog
    }()
}
