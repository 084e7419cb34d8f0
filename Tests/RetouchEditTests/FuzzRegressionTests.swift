import Foundation
import Testing
import Retouch
import RetouchTestSupport

/// Inputs the manifest and recipe fuzzers (`scripts/fuzz/`) crashed on: each is now accepted or rejected with an
/// error. Every input runs in a child process, so a crash fails its test instead of ending the run.
struct EditFuzzRegressionTests {
    @Test("manifest crash inputs are read or rejected", arguments: Fixtures.fuzzRegressions("Manifest"))
    func manifest(_ url: URL) async throws {
        let bytes = try Array(Data(contentsOf: url))
        await #expect(processExitsWith: .success) { [bytes = bytes as [UInt8]] in
            // As the fuzz target reads it: the first byte picks JSON lines (odd) or CSV (even).
            let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
            _ = try? BatchRunner.items(manifestText: text, jsonLines: (bytes.first ?? 0) & 1 == 1,
                                       base: URL(fileURLWithPath: "/fuzz"), file: "fuzz-manifest")
        }
    }

    @Test("recipe crash inputs are decoded or rejected", arguments: Fixtures.fuzzRegressions("Recipe"))
    func recipe(_ url: URL) async throws {
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        await #expect(processExitsWith: .success) { [text = text as String] in
            if let edit = try? Recipe.decode(text, file: "fuzz.yaml") { _ = try? Recipe.encode(edit) }
        }
    }

    @Test("a CSV header that names a column twice is an error, not a crash")
    func duplicateColumn() {
        #expect(throws: EditError.self) {
            try BatchRunner.items(manifestText: "image,image\na.png,b.png\n", jsonLines: false,
                                  base: URL(fileURLWithPath: "/"), file: "m.csv")
        }
    }
}
