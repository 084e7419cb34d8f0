import Foundation
import Testing
import RetouchSafetensors
import RetouchTensor
import RetouchTestSupport

/// Reading safetensors: every stored dtype converts to the right float32 values, metadata is read, and every
/// hostile file is refused with an error that names the file (and the tensor where there is one).
struct SafetensorsReaderTests {
    static let values: [Float] = [0, 1, -2.5, 3.140625, 57344, -0.0009765625]

    @Test("F32, F16, BF16 and I64 tensors read as float32", arguments: [
        ("weight.f32", [2, 3]), ("weight.f16", [2, 3]), ("weight.bf16", [6]),
    ])
    func readsEachDType(name: String, shape: [Int]) throws {
        let file = try SafetensorsFile(url: Fixtures.url("safetensors/mixed.safetensors"))
        let tensor = try file.tensor(name)
        #expect(tensor.shape == shape)
        // Every fixture value is exactly representable in all three formats.
        #expect(tensor.scalars == Self.values)
    }

    @Test("integer tensors, empty tensors and metadata")
    func integersEmptyAndMetadata() throws {
        let file = try SafetensorsFile(url: Fixtures.url("safetensors/mixed.safetensors"))
        #expect(try file.tensor("position_ids").scalars == [0, 1, 2, 3])
        #expect(try file.tensor("empty").shape == [0, 3])
        #expect(file.metadata == ["format": "pt", "note": "retouch fixture"])
        #expect(file.tensorNames == ["empty", "position_ids", "weight.bf16", "weight.f16", "weight.f32"])
        #expect(file.entries["weight.bf16"]?.dtype == .bf16)
    }

    @Test("asking for a missing tensor names it")
    func missingTensor() throws {
        let file = try SafetensorsFile(url: Fixtures.url("safetensors/mixed.safetensors"))
        #expect(throws: SafetensorsError.self) { try file.tensor("nope") }
        do { _ = try file.tensor("nope") } catch let error as SafetensorsError {
            #expect(error.description.hasSuffix("mixed.safetensors: tensor 'nope': no such tensor in the file"))
        }
    }

    @Test("hostile files are refused with a clear error", arguments: [
        ("zero-byte", nil, "too short"),
        ("truncated-length", nil, "too short"),
        ("header-past-end", nil, "runs past the end"),
        ("header-too-large", nil, "exceeds the 100000000-byte limit"),
        ("invalid-json", nil, "not valid JSON"),
        ("not-an-object", nil, "not a JSON object"),
        ("overlapping-offsets", "b", "overlap tensor 'a'"),
        ("offset-past-end", "a", "run past the end"),
        ("size-mismatch", "a", "byte size 16 does not match shape [3] of F32"),
        ("unknown-dtype", "a", "unsupported dtype 'F12'"),
        ("negative-shape", "a", "negative dimension"),
        ("fractional-shape", "a", "must be a list of integers"),
        ("missing-offsets", "a", "lacks 'data_offsets'"),
        ("reversed-offsets", "a", "not an ordered range"),
        ("bad-metadata", nil, "__metadata__ must map strings to strings"),
        ("huge-shape", "a", "too large"),
    ] as [(String, String?, String)])
    func refusesHostileFile(name: String, tensor: String?, problem: String) {
        let url = Fixtures.url("bad-files/safetensors/\(name).safetensors")
        do {
            _ = try SafetensorsFile(url: url)
            Issue.record("\(name) was accepted")
        } catch let error as SafetensorsError {
            #expect(error.file == url.path)
            #expect(error.tensor == tensor, "\(error)")
            #expect(error.problem.contains(problem), "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("a missing file is an error naming it")
    func missingFile() {
        #expect(throws: SafetensorsError(file: "/nonexistent/x.safetensors", problem: "cannot open: No such file or directory")) {
            try SafetensorsFile(path: "/nonexistent/x.safetensors")
        }
    }
}
