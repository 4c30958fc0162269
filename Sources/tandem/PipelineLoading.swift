import ArgumentParser
import Foundation
import TandemCore
import TandemNodes

/// Loads a pipeline for a command, printing every validation problem and exiting with status 2.
enum PipelineLoading {
    static func load(_ path: String, overrides: [String]) throws -> Pipeline {
        var pairs: [(String, String)] = []
        for item in overrides {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw usageError("--set wants key=value, got '\(item)'")
            }
            pairs.append((String(item[..<equals]), String(item[item.index(after: equals)...])))
        }
        do {
            return try Pipeline.load(contentsOf: URL(fileURLWithPath: path), catalog: .standard, overrides: pairs)
        } catch let error as PipelineValidationError {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            let count = error.issues.count
            FileHandle.standardError.write(Data("\(path): \(count) problem\(count == 1 ? "" : "s"); nothing was run\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// A usage problem found after parsing (bad --shard, missing input): printed, then exit status 2,
/// which `tandem run` documents for usage and validation errors.
func usageError(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
    return ExitCode(2)
}

/// Exits with status 2 when two inputs would write the same output (see `Pipeline.outputCollisions`):
/// one would silently replace the other, and on a cluster two shards would both claim the file.
func refuseOutputCollisions(_ pipeline: Pipeline, _ inputs: [InputFile]) throws {
    let collisions = pipeline.outputCollisions(inputs, catalog: .standard)
    guard !collisions.isEmpty else { return }
    for collision in collisions { FileHandle.standardError.write(Data("Error: \(collision)\n".utf8)) }
    throw usageError("inputs would overwrite each other's outputs: rename them, or use {relpath} rather than {stem} in the output paths; nothing was run")
}
