import Foundation
import Testing

/// The `tandem` binary's exit statuses for usage errors: 2, as for pipeline errors, not
/// ArgumentParser's default 64.
@Suite struct CLIExitCodeTests {
    /// Runs the built binary; its exit status and standard error.
    func run(_ arguments: [String]) throws -> (status: Int32, error: String) {
        let process = Process()
        process.executableURL = try CLIBatchTests.tandemBinary()
        process.arguments = arguments
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func unknownFlagExitsWithTwo() throws {
        let result = try run(["run", "pipeline.yaml", "inputs", "--out", "out", "--no-such-flag"])
        #expect(result.status == 2)
        #expect(result.error.contains("--no-such-flag"))
        #expect(result.error.contains("Usage"))
        #expect(try run(["--no-such-flag"]).status == 2)
    }

    @Test func missingArgumentAndUnknownSubcommandExitWithTwo() throws {
        #expect(try run(["run"]).status == 2)
        #expect(try run(["no-such-command"]).status == 2)
    }

    @Test func helpStillExitsWithZero() throws {
        #expect(try run(["--help"]).status == 0)
        #expect(try run(["run", "--help"]).status == 0)
    }
}
