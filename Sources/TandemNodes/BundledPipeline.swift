import Foundation

/// The pipeline files shipped in `Pipelines/`, found as model directories are: in the current
/// directory, then in the package root of the running executable. Job commands (`tandem
/// transcribe-talking-head`) run these files, so the command and `tandem run` share one graph.
public enum BundledPipeline {
    /// The file `Pipelines/<name>.yaml`; where it exists nowhere, the current-directory reading (for messages).
    public static func url(_ name: String) -> URL {
        ModelDirectory.resolve("Pipelines/\(name).yaml")
    }
}
