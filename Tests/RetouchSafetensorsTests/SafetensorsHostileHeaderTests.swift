import Foundation
import Testing
import RetouchSafetensors
import RetouchTensor
import RetouchTestSupport

/// Header entries that the reference parser and Retouch would read differently, or that break offset arithmetic,
/// are errors naming the file and tensor; weights holding NaN or Inf are refused when read.
struct SafetensorsHostileHeaderTests {
    /// A file of `header` (JSON text) followed by `dataBytes` zero bytes.
    static func file(_ header: String, dataBytes: Int) throws -> URL {
        let directory = try Fixtures.temporaryDirectory()
        let url = directory.appendingPathComponent("hostile.safetensors")
        var data = Data()
        let json = Data(header.utf8)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        data.append(Data(count: dataBytes))
        try data.write(to: url)
        return url
    }

    static let entryA = #"{"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}"#
    static let entryB = #"{"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}"#

    @Test("hostile headers are refused naming the file and tensor", arguments: [
        (#"{"a": \#(entryA), "a": \#(entryB)}"#, 8, "a", "appears more than once in the header"),
        (#"{"b": \#(entryA), "x": \#(entryB), "b": \#(entryB)}"#, 8, "b", "appears more than once in the header"),
        (#"{"ab": \#(entryA), "a\u0062": \#(entryB)}"#, 8, "ab", "appears more than once in the header"),
        (#"{"a": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 4]}}"#, 4, "a", "too large"),
        (#"{"a": {"dtype": "F16", "shape": [3037000500, 3037000500], "data_offsets": [0, 4]}}"#, 4, "a", "too large"),
        (#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}"#, 4, "a", "byte size 4 does not match shape [2] of F32 (8 bytes)"),
        (#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [9007199254740000, 9007199254740004]}}"#, 4, "a", "run past the end"),
        (#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#, 4, "a", "run past the end of the 4-byte data section"),
    ] as [(String, Int, String, String)])
    func hostileHeader(header: String, dataBytes: Int, tensor: String, problem: String) throws {
        let url = try Self.file(header, dataBytes: dataBytes)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        do {
            _ = try SafetensorsFile(url: url)
            Issue.record("\(header) was accepted")
        } catch let error as SafetensorsError {
            #expect(error.file == url.path)
            #expect(error.tensor == tensor, "\(error)")
            #expect(error.problem.contains(problem), "\(error)")
        }
    }

    @Test("repeated keys inside __metadata__ or inside an entry's lists are not tensor names")
    func nestedKeysAreNotTensors() throws {
        let url = try Self.file(#"{"__metadata__": {"format": "pt"}, "a": \#(Self.entryA), "b": \#(Self.entryB)}"#, dataBytes: 8)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        #expect(try SafetensorsFile(url: url).tensorNames == ["a", "b"])
    }

    @Test("a NaN or Inf weight is refused when read, naming file and tensor", arguments: [
        (Float.nan, SafetensorsWriter.Storage.f32, "holds NaN"), (.nan, .f16, "holds NaN"), (.nan, .bf16, "holds NaN"),
        (.infinity, .f32, "holds Inf"), (-.infinity, .f16, "holds Inf"), (70000, .f16, "holds Inf"),
    ] as [(Float, SafetensorsWriter.Storage, String)])
    func nonFinite(value: Float, storage: SafetensorsWriter.Storage, problem: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("w.safetensors")
        var scalars = (0..<5000).map { Float($0) / 5000 }
        scalars[4321] = value
        try SafetensorsWriter.write(["w": Tensor(shape: [50, 100], scalars: scalars), "ok": Tensor(shape: [2], scalars: [1, 2])],
                                    to: url, storage: storage)
        let file = try SafetensorsFile(url: url)
        #expect(try file.tensor("ok").scalars == [1, 2])
        #expect(throws: SafetensorsError(file: url.path, tensor: "w", problem: "\(problem) (first at element 4321 of 5000); the weights are corrupt")) {
            try file.tensor("w")
        }
        #expect(try file.tensor("w", checkFinite: false).scalars[4321].isFinite == false)
    }
}
