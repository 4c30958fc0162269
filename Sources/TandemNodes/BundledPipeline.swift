import Foundation

/// The pipeline files shipped in `Pipelines/`, found as model directories are: in the current
/// directory, then in the package root of the running executable. Job commands (`tandem
/// transcribe-talking-head`) run these files, so the command and `tandem run` share one graph.
public enum BundledPipeline {
    /// The file `Pipelines/<name>.yaml`; where it exists nowhere, the current-directory reading (for messages).
    public static func url(_ name: String) -> URL {
        ModelDirectory.resolve("Pipelines/\(name).yaml")
    }

    /// Why `Pipelines/<name>.yaml` cannot be run, or nil when it is found: where it was looked for and what to do.
    /// A binary copied out of its checkout finds neither the pipelines nor the models beside them; without this the
    /// user read only "cannot read the pipeline file … doesn't exist" about a path they never named.
    public static func missing(_ name: String) -> String? {
        guard !FileManager.default.fileExists(atPath: url(name).path) else { return nil }
        let here = FileManager.default.currentDirectoryPath
        let checkout = ModelDirectory.packageRoot().map { "the checkout \($0.path)" } ?? "a Tandem checkout (none holds the running tandem)"
        return "the bundled pipeline Pipelines/\(name).yaml is in neither the current directory (\(here)) nor \(checkout): "
            + "run the tandem built in its checkout (.build/release/tandem, or a link to it; a copy elsewhere finds neither the "
            + "pipelines nor the models), or pass --pipeline FILE"
    }
}
