import Foundation
import Testing
import RetouchModels
import RetouchTestSupport

/// Inputs the config fuzzer (`scripts/fuzz/`) crashed on (zero head and group counts, fixed by range checks at decode), decoded as a UNet, VAE and CLIP text-encoder
/// `config.json`: each must be accepted or rejected with an error. Every input runs in a child process, so a
/// crash fails its test instead of ending the run.
struct ConfigFuzzRegressionTests {
    @Test("config crash inputs are decoded or rejected", arguments: Fixtures.fuzzRegressions("Config"))
    func config(_ url: URL) async throws {
        let data = try Data(contentsOf: url)
        await Self.decodes(data)
    }

    /// Expects decoding `data` as each config to return or throw in a child process, not crash it.
    static func decodes(_ data: Data) async {
        await #expect(processExitsWith: .success) { [data = data as Data] in
            guard let reader = try? ConfigReader(data: data, file: "config.json") else { return }
            _ = try? UNetConfig(reader)
            _ = try? VAEConfig(reader)
            _ = try? CLIPTextConfig(reader)
        }
    }
}
