import Foundation
import Testing
import RetouchModels
import RetouchTensor
import RetouchTestSupport

/// Distilled LCM UNets: `time_cond_proj_dim` in the UNet config gives the time embedding diffusers' `cond_proj`
/// (a bias-free linear map of the timestep condition, added to the sinusoidal features before `linear_1`), and the
/// condition is diffusers' guidance-scale embedding. References: fixtures/models/tiny-lcm/reference, made by
/// fixtures/pipelines/make_lcm_unet_references.py.
struct LCMUNetTests {
    static func reference(_ name: String) throws -> Tensor {
        try NumpyArray(fixture: "models/tiny-lcm/reference/\(name).npy").tensor
    }

    static func unet(_ json: String) throws -> UNetConfig {
        try UNetConfig(ConfigReader(data: Data(json.utf8), file: "unet/config.json"))
    }

    static let base = #""block_out_channels": [32, 64], "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"], "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"], "norm_num_groups": 8"#

    @Test("time_cond_proj_dim is read from config.json; absent or null means an ordinary UNet")
    func decodes() throws {
        #expect(try Self.unet("{\(Self.base), \"time_cond_proj_dim\": 256}").timeConditionDim == 256)
        #expect(try Self.unet("{\(Self.base), \"time_cond_proj_dim\": 256}").embedsGuidance)
        #expect(try Self.unet("{\(Self.base), \"time_cond_proj_dim\": null}").timeConditionDim == nil)
        #expect(try Self.unet("{\(Self.base)}").embedsGuidance == false)
        let lcm = try DiffusersFolder(url: Fixtures.url("models/tiny-lcm")).unetConfig()
        #expect(lcm.timeConditionDim == 32)
        #expect(try DiffusersFolder(url: Fixtures.url("models/tiny-sd1")).unetConfig().timeConditionDim == nil)
    }

    @Test("a time_cond_proj_dim that is not a width from 4 to 8192 is an error naming file and key", arguments: [
        ("0", "value 0 is outside the allowed range 4…8192"),
        ("3", "value 3 is outside the allowed range 4…8192"),
        ("-32", "value -32 is outside the allowed range 4…8192"),
        ("8193", "value 8193 is outside the allowed range 4…8192"),
        ("32.5", "expected an integer, got 32.5"),
        (#""32""#, "expected an integer, got '32'"),
        ("true", "expected an integer, got true"),
    ])
    func rejects(value: String, problem: String) {
        #expect(throws: ConfigError(file: "unet/config.json", key: "time_cond_proj_dim", problem: problem)) {
            try Self.unet("{\(Self.base), \"time_cond_proj_dim\": \(value)}")
        }
    }

    @Test("the guidance embedding is diffusers' get_guidance_scale_embedding(w = guidance − 1)", arguments: [4, 7, 32, 256])
    func guidanceEmbedding(dimension: Int) throws {
        let ws = try Self.reference("guidance_w").scalars
        #expect(ws == [7.5, 7, 0.5, 0, -1])
        let expected = try Self.reference("guidance_embedding_\(dimension)")
        let actual = GuidanceEmbedding.embedding(ws, dimension: dimension)
        #expect(actual.shape == [ws.count, dimension])
        // Angles reach 7500 rad, where an ulp of difference in a frequency would move sin by ~5e-4; measured 1.5e-5.
        let closeness = Closeness(actual, expected)
        print("guidance embedding, width \(dimension): \(closeness)")
        #expect(closeness.maxAbsError <= 1e-4, "\(closeness)")
        if dimension % 2 == 1 {   // odd widths end in a zero, as diffusers pads
            for row in 0..<ws.count { #expect(actual.scalars[row * dimension + dimension - 1] == 0) }
        }
        // w = 0 (guidance 1): sin half zero, cos half one
        let zeroRow = Array(actual.scalars[(3 * dimension)..<(3 * dimension + dimension / 2 * 2)])
        #expect(zeroRow == Array(repeating: 0, count: dimension / 2) + Array(repeating: 1, count: dimension / 2))
        #expect(GuidanceEmbedding.embedding(guidance: 8.5, dimension: dimension, batch: 2).scalars
                == Array(actual.scalars[0..<dimension]) + Array(actual.scalars[0..<dimension]))
    }

    @Test("the UNet with a timestep condition equals diffusers' (cond_proj), and without one too")
    func unetMatchesDiffusers() throws {
        let folder = try DiffusersFolder(url: Fixtures.url("models/tiny-lcm"))
        let unet = try UNet2DConditionModel(config: folder.unetConfig(), weights: folder.weights("unet"))
        let sample = try Self.reference("unet_sample"), context = try Self.reference("unet_context")
        let condition = GuidanceEmbedding.embedding(try Self.reference("unet_guidance").scalars.map(GuidanceEmbedding.weight(guidance:)),
                                                    dimension: 32)
        #expect(Closeness(condition, try Self.reference("unet_timestep_cond")).maxAbsError <= 1e-4)
        let conditioned = unet(sample, timestep: 759, context: context, timestepCondition: try Self.reference("unet_timestep_cond"))
        let withCondition = Closeness(conditioned, try Self.reference("unet_t759_cond"))
        print("distilled-LCM UNet with timestep_cond: \(withCondition)")
        #expect(withCondition.isWithin(1e-4), "with timestep_cond: \(withCondition)")
        let plain = Closeness(unet(sample, timestep: 759, context: context), try Self.reference("unet_t759"))
        #expect(plain.isWithin(1e-4), "without timestep_cond: \(plain)")
        // the condition matters, per batch row (the two rows carry guidance 8 and 1.5)
        #expect(!Closeness(conditioned, try Self.reference("unet_t759")).isWithin(1e-2))
    }

    @Test("cond_proj is loaded strictly: a folder without its weight is an error naming the key")
    func missingConditionProjection() throws {
        let folder = try DiffusersFolder(url: Fixtures.url("models/tiny-sd1"))
        var config = try folder.unetConfig()
        config.timeConditionDim = 32
        do {
            _ = try UNet2DConditionModel(config: config, weights: folder.weights("unet"))
            Issue.record("a UNet without time_embedding.cond_proj.weight loaded as a distilled LCM UNet")
        } catch {
            #expect("\(error)".contains("time_embedding.cond_proj.weight"), "\(error)")
        }
    }
}
