import Foundation
import Testing
import RetouchModels
import RetouchTestSupport

/// Checkpoint formats are told from their first bytes, and pickle checkpoints are refused with a reason and a
/// conversion recipe, without reading past those bytes.
struct CheckpointFormatTests {
    /// A zip local-file header whose first entry is `name`.
    static func zip(firstEntry name: String) -> [UInt8] {
        var bytes: [UInt8] = [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 22)
        bytes += [UInt8(name.utf8.count), 0, 0, 0] + Array(name.utf8) + [0, 1, 2]
        return bytes
    }

    @Test("detection by magic bytes", arguments: [
        ([0x80, 0x02, 0x8A, 0x0A], "ckpt", CheckpointFormat.pickle),
        ([0x80, 0x05, 0x95], "bin", .pickle),
        ([0x80, 0x06, 0x95], "bin", .unknown),
        (zip(firstEntry: "archive/data.pkl"), "zip", .pickleArchive),
        (zip(firstEntry: "model/byteorder"), "pt", .pickleArchive),
        (zip(firstEntry: "readme.txt"), "zip", .unknown),
        ([16, 0, 0, 0, 0, 0, 0, 0] + Array("{\"__metadata__\":{}}".utf8), "safetensors", .safetensors),
        (Array("GGUF\u{3}\0\0\0".utf8), "gguf", .unknown),
        ([], "safetensors", .unknown),
    ] as [([UInt8], String, CheckpointFormat)])
    func detects(bytes: [UInt8], fileExtension: String, expected: CheckpointFormat) {
        #expect(CheckpointFormat.detect(bytes: bytes, fileExtension: fileExtension) == expected)
    }

    @Test("the fixture checkpoints are safetensors")
    func fixtures() throws {
        #expect(try CheckpointFormat.detect(at: Fixtures.url("models/tiny-sd1.safetensors")) == .safetensors)
        #expect(try CheckpointFormat.detect(at: Fixtures.url("models/tiny-sd2/vae/diffusion_pytorch_model.fp16.safetensors")) == .safetensors)
    }

    @Test("a broken pickle checkpoint is an error naming the file (pickles are read as data now)", arguments: [
        ("model.ckpt", [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20]),
        ("model.pt", zip(firstEntry: "archive/data.pkl")),
    ] as [(String, [UInt8])])
    func brokenPickle(name: String, bytes: [UInt8]) throws {
        let folder = try Fixtures.temporaryDirectory("pickle")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        #expect(try ModelLocation.resolve(url.path) == .singleFile(url))
        do {
            _ = try LDMCheckpoint(url: url)
            Issue.record("a broken pickle file was accepted")
        } catch {
            #expect("\(error)".contains(url.path), "\(error)")
        }
    }

    @Test("other files are refused as not safetensors")
    func refusesUnknown() throws {
        let folder = try Fixtures.temporaryDirectory("unknown")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        try Data("hello, world".utf8).write(to: url)
        #expect(throws: ModelLoadingError.self) { try LDMCheckpoint(url: url) }
        do { try CheckpointFormat.requireSafetensors(at: url) } catch let error as ModelLoadingError {
            #expect(error.problem.hasPrefix("not a safetensors file"))
        }
    }
}
