import Foundation
import Testing
import RetouchPickle
import RetouchTestSupport

/// Truncated, corrupted and oversized inputs are errors naming the file, never crashes.
struct MalformedPickleTests {
    static func open(_ bytes: [UInt8], limits: PickleLimits = PickleLimits()) throws -> PickleCheckpoint {
        try bytes.withUnsafeBytes { try PickleCheckpoint(contents: $0, path: "bad.pt", limits: limits) }
    }

    static func expectError(_ bytes: [UInt8], _ label: String, limits: PickleLimits = PickleLimits()) {
        do {
            let checkpoint = try open(bytes, limits: limits)
            for name in checkpoint.tensorNames { _ = try checkpoint.tensor(name) }
        } catch let error as PickleError {
            #expect(error.file == "bad.pt", "\(label)")
        } catch {
            Issue.record("\(label): \(error)")
        }
    }

    @Test("every truncation of a zip and a legacy checkpoint is an error or a smaller valid file, never a crash",
          arguments: ["dtypes.pt", "legacy.pt"])
    func truncations(file: String) throws {
        let bytes = try [UInt8](Data(contentsOf: Fixtures.url("pickle/\(file)")))
        for length in 0..<bytes.count { Self.expectError(Array(bytes[..<length]), "\(file)[..<\(length)]") }
    }

    @Test("every single-byte corruption of a small checkpoint is handled")
    func corruptions() throws {
        let bytes = try [UInt8](Data(contentsOf: Fixtures.url("pickle/shared.pt")))
        for index in 0..<bytes.count {
            for value: UInt8 in [0x00, 0xFF, bytes[index] ^ 0x5A] {
                var copy = bytes
                copy[index] = value
                Self.expectError(copy, "byte \(index) = \(value)")
            }
        }
    }

    @Test("garbage, and pickles with huge lengths, indices or nesting, are errors naming the file", arguments: [
        [UInt8](repeating: 0x41, count: 100),
        [0x80, 0x02] + [0x8D] + [UInt8](repeating: 0xFF, count: 8),  // BINUNICODE8 of 2^64-1 bytes
        [0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x61],  // BINUNICODE past the end
        [0x80, 0x02, 0x6A, 0xFF, 0xFF, 0xFF, 0xFF, 0x2E],  // LONG_BINGET of a missing entry
        [0x80, 0x02, 0x8B, 0xFF, 0xFF, 0xFF, 0x7F],  // LONG4 past the end
        [0x80, 0x02] + [UInt8](repeating: 0x28, count: 20_000) + [0x2E],  // 20,000 MARKs
        [0x80, 0x02, 0x5D] + [UInt8](repeating: 0x85, count: 100_000) + [0x2E],  // 100,000 nested tuples
        [0x80, 0x02, 0x7D, 0x71, 0x00, 0x58, 0x01, 0, 0, 0, 0x61, 0x68, 0x00, 0x73, 0x2E],  // a dict holding itself
        [0x80, 0x02, 0xFF, 0x2E],  // an unknown opcode
        [0x80, 0x02, 0x82, 0x01, 0x2E],  // EXT1
        [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 60),  // a zip header and nothing else
    ] as [[UInt8]])
    func garbage(_ bytes: [UInt8]) { Self.expectError(bytes, "\(bytes.prefix(8))") }

    @Test("the limits stop a pickle that builds too much")
    func limits() throws {
        var limits = PickleLimits()
        limits.elements = 1000
        let many = [0x80, 0x02, 0x5D, 0x28] + [UInt8](repeating: 0x4E, count: 5000) + [0x65, 0x2E] as [UInt8]
        #expect { try PickleReader.pythonRepr(of: many, path: "many.pkl", limits: limits) } throws: { error in
            "\(error)".contains("more than 1000 values")
        }
        limits = PickleLimits()
        limits.stackDepth = 100
        #expect { try PickleReader.pythonRepr(of: [0x80, 0x02] + [UInt8](repeating: 0x4E, count: 200) + [0x2E], path: "deep.pkl", limits: limits) } throws: { error in
            "\(error)".contains("stack grows past 100")
        }
    }
}
