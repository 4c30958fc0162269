import Foundation
import Testing
@testable import TandemCore

/// Nodes for validation tests: only their descriptors matter.
struct FakeDecode: ConfigurableNode {
    static let descriptor = NodeDescriptor(
        kind: "fake-decode", doc: "a source",
        outputs: [PortSpec("audio", .audio), PortSpec("video", .video)],
        parameters: [ParameterSpec("threads", .int(0...16), default: .int(0), "decoder threads")])
    init(parameters: NodeParameters) {}
}

struct FakeSample: ConfigurableNode {
    static let descriptor = NodeDescriptor(
        kind: "fake-sample", doc: "video to video",
        inputs: [PortSpec("video", .video)], outputs: [PortSpec("video", .video)],
        parameters: [ParameterSpec("fps", .double(0.001...1000), default: .double(1), "frames per second"),
                     ParameterSpec("mode", .choice(["uniform", "keyframes"]), default: .string("uniform"), "how")])
    init(parameters: NodeParameters) {}
}

struct FakeWrite: ConfigurableNode {
    static let descriptor = NodeDescriptor(
        kind: "fake-write", doc: "a sink",
        inputs: [PortSpec("in", .any)],
        parameters: [ParameterSpec("path", .pathTemplate, default: nil, "output path")])
    init(parameters: NodeParameters) {}
}

let fakeCatalog: NodeCatalog = {
    var catalog = NodeCatalog()
    catalog.register(FakeDecode.self)
    catalog.register(FakeSample.self)
    catalog.register(FakeWrite.self)
    return catalog
}()

@Suite struct PipelineValidationTests {
    func issues(_ yaml: String, overrides: [(String, String)] = []) -> [String] {
        do {
            _ = try Pipeline.load(yaml: yaml, file: "p.yaml", catalog: fakeCatalog, overrides: overrides)
            return []
        } catch let error as PipelineValidationError {
            return error.issues.map(\.description)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    @Test func aValidFileLoadsWithDefaultsAndSubstitutions() throws {
        let yaml = """
        version: 1
        params:
          fps: 2
          name: frames
        nodes:
          - id: decode
            kind: fake-decode
          - id: sample
            kind: fake-sample
            params: {fps: "${fps}"}
            inputs: {video: decode.video}
        sinks:
          - id: out
            kind: fake-write
            params: {path: "${name}/{relpath}_{index}.png"}
            inputs:
              in: {from: sample.video}
        """
        let pipeline = try Pipeline.load(yaml: yaml, file: "p.yaml", catalog: fakeCatalog, overrides: [("fps", "5")])
        #expect(pipeline.nodes.map(\.id) == ["decode", "sample", "out"])
        #expect(pipeline.nodes[1].parameters.double("fps") == 5)
        #expect(pipeline.nodes[1].parameters.string("mode") == "uniform")
        #expect(pipeline.nodes[0].parameters.int("threads") == 0)
        #expect(pipeline.nodes[2].parameters.string("path") == "frames/{relpath}_{index}.png")
        #expect(pipeline.nodes[2].inputs == [Pipeline.Input(port: "in", fromNode: "sample", fromPort: "video")])
        let dot = pipeline.dot(catalog: fakeCatalog)
        #expect(dot.contains("\"sample\" -> \"out\""))
    }

    @Test func everyProblemIsReportedAtItsLineAndColumn() {
        let yaml = """
        version: 1
        nodes:
          - id: decode
            kind: fake-decod
          - id: sample
            kind: fake-sample
            params:
              fsp: 2
              mode: keyframe
            inputs: {video: decode.video}
          - id: sample
            kind: fake-sample
            params: {fps: fast}
            inputs: {video: decode.audio}
          - id: big
            kind: fake-sample
            params: {fps: 5000}
            inputs: {video: nowhere.video}
          - id: out
            kind: fake-write
            params: {path: ../escape.png}
            inputs: {in: sample.vidoe}
          - id: abs
            kind: fake-write
            params: {path: /tmp/x.png}
            inputs: {in: big.video}
          - id: nopath
            kind: fake-write
            inputs: {inn: big.video}
        """
        #expect(issues(yaml) == [
            "p.yaml:4:11: error: unknown node kind 'fake-decod' (did you mean 'fake-decode'?)",
            "p.yaml:8:7: error: unknown parameter 'fsp' for kind 'fake-sample' (did you mean 'fps'?)",
            "p.yaml:9:13: error: parameter 'mode' of node 'sample': 'keyframe' is not one of uniform, keyframes (did you mean 'keyframes'?)",
            "p.yaml:11:9: error: duplicate node id 'sample' (first defined at line 5)",
            "p.yaml:13:19: error: parameter 'fps' of node 'sample': expected number in 0.001...1000.0, got string 'fast'",
            "p.yaml:17:19: error: parameter 'fps' of node 'big': 5000.0 is outside 0.001...1000.0",
            "p.yaml:21:20: error: parameter 'path' of node 'out': output path '../escape.png' contains '..' and could escape the output folder",
            "p.yaml:25:20: error: parameter 'path' of node 'abs': output path '/tmp/x.png' is absolute; it must be relative to the output folder",
            "p.yaml:27:5: error: node 'nopath' (fake-write) needs parameter 'path' (path template): output path",
            "p.yaml:29:14: error: node 'nopath' (fake-write) has no input 'inn' (did you mean 'in'?); inputs: in",
            "p.yaml:18:21: error: input 'video' of node 'big' comes from unknown node 'nowhere'",
            "p.yaml:22:18: error: node 'sample' (fake-sample) has no output 'vidoe' (did you mean 'video'?); outputs: video",
            "p.yaml:28:11: error: node 'nopath' (fake-write) needs input 'in' (any) in 'inputs'",
        ])
    }

    @Test func aWholeNumberIsTheTextOfAStringParameter() {
        // `--set sources=2` (or `sources: 2` in the file) where the node reads "auto" or a count.
        #expect(ParameterValue.int(2).checked(as: .string) == .success(.string("2")))
        #expect(ParameterValue.bool(true).checked(as: .string) == .failure(.wrongType("expected string, got bool 'true'")))
        #expect(ParameterValue.int(2).checked(as: .choice(["auto"])) == .failure(.wrongType("expected one of auto, got int '2'")))
    }

    @Test func cyclesAreReportedWhereTheyClose() {
        let yaml = """
        version: 1
        nodes:
          - id: a
            kind: fake-sample
            inputs: {video: b.video}
          - id: b
            kind: fake-sample
            inputs: {video: a.video}
        """
        #expect(issues(yaml) == ["p.yaml:5:21: error: cycle: a → b → a"])
        let mismatch = """
        version: 1
        nodes:
          - {id: d, kind: fake-decode}
          - id: s
            kind: fake-sample
            inputs:
              video: d.audio
        """
        #expect(issues(mismatch) == ["p.yaml:7:14: error: port kinds differ: d.audio carries audio but s.video takes video"])
    }

    @Test func fileLevelProblems() {
        #expect(issues("version: 2\nnodse: []\n") == [
            "p.yaml:2:1: error: unknown key 'nodse' (did you mean 'nodes'?)",
            "p.yaml:1:10: error: unsupported version '2'; this build reads version 1",
            "p.yaml:1:1: error: missing 'nodes'",
        ])
        #expect(issues("version: 1\nnodes: [\n") .first?.hasPrefix("p.yaml:3:1: error: YAML syntax") == true)
        let withParams = """
        version: 1
        params: {fps: 1}
        nodes:
          - id: s
            kind: fake-sample
            params: {fps: "${fsp}"}
            inputs: {video: s2.video}
          - {id: s2, kind: fake-decode}
        """
        #expect(issues(withParams, overrides: [("fpss", "3")]) == [
            "p.yaml: error: --set fpss=3: the pipeline has no parameter 'fpss' (did you mean 'fps'?)",
            "p.yaml:6:19: error: '${fsp}' names no pipeline parameter (did you mean 'fps'?)",
        ])
    }

    @Test func pathTemplatesResolveAndRefuseEscapes() throws {
        let input = InputFile(url: URL(fileURLWithPath: "/in/a/b/clip.v1.mp4"), relativePath: "a/b/clip.v1.mp4")
        #expect(try PathTemplate("{relpath}/{id}_{index}.png").resolve(input: input, nodeID: "w", index: 42) == "a/b/clip.v1/w_000042.png")
        #expect(try PathTemplate("{stem}.json").resolve(input: input, nodeID: "w") == "clip.v1.json")
        #expect(throws: PathTemplate.Problem.self) { try PathTemplate("a/../../x") }
        #expect(throws: PathTemplate.Problem.self) { try PathTemplate("{steam}.json") }
        #expect(throws: PathTemplate.Problem.self) { try PathTemplate("{stem.json") }
    }
}
