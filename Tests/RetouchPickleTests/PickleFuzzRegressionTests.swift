import Foundation
import Testing
import RetouchPickle
import RetouchTestSupport

/// Inputs the pickle fuzzer (`scripts/fuzz/`, target `Pickle`) found, plus its seeds: each is opened as a checkpoint
/// (every small tensor read) and as a plain pickle, in a child process, so a crash fails its test instead of the run.
struct PickleFuzzRegressionTests {
    static let inputs = Fixtures.fuzzRegressions("Pickle")
        + ((try? FileManager.default.contentsOfDirectory(atPath: Fixtures.url("fuzz/Pickle/seeds").path)) ?? [])
            .sorted().map { Fixtures.url("fuzz/Pickle/seeds/\($0)") }

    @Test("fuzz inputs are read or refused with an error", arguments: inputs)
    func input(_ url: URL) async throws {
        let bytes = try [UInt8](Data(contentsOf: url))
        await #expect(processExitsWith: .success) { [bytes = bytes as [UInt8]] in
            if let checkpoint = try? bytes.withUnsafeBytes({ try PickleCheckpoint(contents: $0, path: "fuzz") }) {
                for name in checkpoint.tensorNames where (checkpoint.shapes[name]?.reduce(1, *) ?? 0) <= 1 << 20 {
                    _ = try? checkpoint.tensor(name)
                }
            }
            _ = try? PickleReader.pythonRepr(of: bytes, path: "fuzz")
        }
    }
}
