import Foundation
import Testing
import RetouchModels
import RetouchTestSupport

/// Full-size SD 1.5 and SD 2.1-v key sets (fixtures/models/ldm-keys, made by make_ldm_key_fixtures.py from the
/// published configurations on PyTorch's meta device, the LDM names checked there against diffusers' own
/// converters): planning from names and shapes alone lands on exactly diffusers' names and shapes, and the
/// conventions reproduce the published configs without any template.
struct LDMFullSizeTests {
    struct Record: Decodable {
        let prediction_type: String
        let ldm: [String: [Int]]
        let unet: [String: [Int]]
        let vae: [String: [Int]]
        let text_encoder: [String: [Int]]
        let configs: [String: [String: JSONValue]]
    }

    static func record(_ name: String) throws -> Record {
        try JSONDecoder().decode(Record.self, from: Data(contentsOf: Fixtures.url("models/ldm-keys/\(name).json")))
    }

    static func reader(_ values: [String: JSONValue], _ name: String) throws -> ConfigReader {
        try ConfigReader(data: JSONEncoder().encode(values), file: name)
    }

    @Test("names and shapes land on diffusers'", arguments: ["sd15", "sd21-v"])
    func namesAndShapes(name: String) throws {
        let record = try Self.record(name)
        let plan = try LDMCheckpointPlan(shapes: record.ldm, origin: name)
        for (component, expected) in [(LDMComponent.unet, record.unet), (.vae, record.vae), (.textEncoder, record.text_encoder)] {
            let mapped = (plan.entries[component] ?? [:]).mapValues(\.shape)
            #expect(mapped == expected, "\(name) \(component): \(Set(mapped.keys).symmetricDifference(expected.keys).sorted().prefix(5))")
        }
        #expect(plan.ignoredKeys.contains("alphas_cumprod"))
    }

    @Test("conventions alone give the published configs", arguments: ["sd15", "sd21-v"])
    func configs(name: String) throws {
        let record = try Self.record(name)
        let plan = try LDMCheckpointPlan(shapes: record.ldm, origin: name)
        let prediction = try #require(LDMPredictionType(rawValue: record.prediction_type))
        let configs = plan.configs(.init(predictionType: prediction))
        let expected = try #require(record.configs["unet"])
        #expect(try UNetConfig(Self.reader(configs[.unet] ?? [:], "inferred")) == UNetConfig(Self.reader(expected, "published")))
        #expect(configs[.unet]?["sample_size"] == expected["sample_size"])
        let vae = try #require(record.configs["vae"])
        #expect(try VAEConfig(Self.reader(configs[.vae] ?? [:], "inferred")) == VAEConfig(Self.reader(vae, "published")))
        let text = try #require(record.configs["text_encoder"])
        #expect(try CLIPTextConfig(Self.reader(configs[.textEncoder] ?? [:], "inferred"))
                == CLIPTextConfig(Self.reader(text, "published")))
    }
}
