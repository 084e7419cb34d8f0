import Foundation
import Testing
import RetouchPickle
import RetouchSafetensors
import RetouchTensor
import RetouchTestSupport

/// Checkpoints written by today's `torch.save` (fixtures/pickle/make_pickle_fixtures.py) read as the float32 values
/// numpy wrote for each tensor: every dtype, strided views, shared storages, the legacy format, pickle protocols
/// 1–5 and a ZIP64 archive.
struct PickleCheckpointTests {
    struct Manifest: Decodable {
        let files: [String: [String]]
        let plain: [String: String]
        let hostile: [String: Hostile]
        struct Hostile: Decodable { let global: String, marker: String }
    }
    static let manifest: Manifest? = {
        guard let data = try? Data(contentsOf: Fixtures.url("pickle/manifest.json")) else { return nil }
        return try? JSONDecoder().decode(Manifest.self, from: data)
    }()

    static func expectMatchesReference(_ stem: String, file: String) throws {
        let names = try #require(Self.manifest?.files[stem])
        let checkpoint = try PickleCheckpoint(url: Fixtures.url("pickle/\(file)"))
        #expect(checkpoint.tensorNames == names.sorted())
        #expect(checkpoint.metadata.isEmpty)
        for name in names {
            let reference = try NumpyArray(fixture: "pickle/reference/\(stem)/\(name).npy")
            let tensor = try checkpoint.tensor(name)
            // (The test support's .npy reader gives a 0-d array the shape [1].)
            let shape = tensor.shape.isEmpty && reference.shape == [1] ? [] : reference.shape
            #expect(tensor.shape == shape, "\(stem) \(name)")
            #expect(checkpoint.shapes[name] == shape, "\(stem) \(name)")
            #expect(tensor.scalars.map(\.bitPattern) == reference.values.map(\.bitPattern), "\(stem) \(name): \(tensor.scalars) vs \(reference.values)")
        }
    }

    @Test("each dtype (f32, f16, bf16, f64, i64, i32, i16, i8, u8, bool, 0-d, empty) reads as numpy's float32 values")
    func dtypes() throws {
        try Self.expectMatchesReference("dtypes", file: "dtypes.pt")
        let checkpoint = try PickleCheckpoint(url: Fixtures.url("pickle/dtypes.pt"))
        #expect(checkpoint.dtypes["bf16"] == .bfloat16)
        #expect(checkpoint.dtypes["bool"] == .bool)
        #expect(checkpoint.dtypes["i64"] == .int64)
    }

    @Test("non-contiguous views (offsets, column slices, transposes, permutes) are materialised by their strides")
    func views() throws { try Self.expectMatchesReference("views", file: "views.pt") }

    @Test("tensors sharing one storage each read their own view of it")
    func sharedStorage() throws { try Self.expectMatchesReference("shared", file: "shared.pt") }

    @Test("the legacy (non-zip) torch.save format reads, with its parameter, view and shared storage")
    func legacy() throws { try Self.expectMatchesReference("legacy", file: "legacy.pt") }

    @Test("torch.save with pickle protocols 1 to 5 reads the same way (nested dicts become dotted names)",
          arguments: 1...5)
    func protocols(_ protocolVersion: Int) throws {
        try Self.expectMatchesReference("protocol\(protocolVersion)", file: "protocol\(protocolVersion).pt")
    }

    @Test("a ZIP64 archive (ZIP64 extra fields and end records) reads like the plain zip")
    func zip64() throws { try Self.expectMatchesReference("zip64", file: "zip64.pt") }

    @Test("torch.save's protocol 0 output (a text persistent id torch.load refuses too) is an error naming the file")
    func protocolZero() throws {
        let url = Fixtures.url("pickle/protocol0.pt")
        #expect { try PickleCheckpoint(url: url) } throws: { error in
            "\(error)".contains(url.path) && "\(error)".contains("PERSID")
        }
    }

    @Test("plain pickles of protocols 0 to 5 hold what Python's repr says", arguments: 0...5)
    func plainPickles(_ protocolVersion: Int) throws {
        let name = "plain-protocol\(protocolVersion).pkl"
        let expected = try #require(Self.manifest?.plain[name])
        let bytes = try [UInt8](Data(contentsOf: Fixtures.url("pickle/\(name)")))
        #expect(try PickleReader.pythonRepr(of: bytes, path: name) == expected)
    }

    @Test("the LDM .ckpt holds every tensor of tiny-sd1.safetensors, bit for bit, under the same names")
    func ldmCheckpoint() throws {
        let checkpoint = try PickleCheckpoint(url: Fixtures.url("pickle/tiny-sd1.ckpt"))
        let reference = try SafetensorsFile(url: Fixtures.url("models/tiny-sd1.safetensors"))
        #expect(checkpoint.tensorNames == reference.tensorNames)
        for name in reference.tensorNames {
            #expect(try checkpoint.tensor(name).scalars.map(\.bitPattern) == reference.tensor(name).scalars.map(\.bitPattern), "\(name)")
            #expect(checkpoint.shapes[name] == reference.entries[name]?.shape, "\(name)")
        }
    }
}
