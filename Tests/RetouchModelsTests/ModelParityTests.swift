import Foundation
import Testing
import RetouchModels
import RetouchTensor
import RetouchTestSupport

/// The text encoder, VAE and UNet compute what diffusers computes on the tiny random-weight fixtures
/// (fixtures/models, made by make_parity_fixtures.py): fp32, sharded fp16 and bf16 storage alike.
struct ModelParityTests {
    static let models = ["tiny-sd1", "tiny-sd2", "tiny-inpaint"]
    static let tolerance: Float = 1e-4

    static func folder(_ name: String) throws -> DiffusersFolder {
        try DiffusersFolder(url: Fixtures.url("models/\(name)"))
    }

    static func reference(_ model: String, _ name: String) throws -> Tensor {
        try NumpyArray(fixture: "models/\(model)/reference/\(name).npy").tensor
    }

    static func expectClose(_ actual: Tensor, _ expected: Tensor, _ what: String) {
        let closeness = Closeness(actual, expected)
        #expect(closeness.isWithin(tolerance), "\(what): \(closeness)")
    }

    @Test("text encoder hidden states equal transformers'", arguments: models)
    func textEncoder(model: String) throws {
        let folder = try Self.folder(model)
        let encoder = try CLIPTextModel(config: folder.textEncoderConfig(), weights: folder.weights("text_encoder"))
        let ids = try NumpyArray(fixture: "models/\(model)/reference/prompt_ids.npy")
        let rows = ids.shape[0], length = ids.shape[1]
        let tokens = (0..<rows).map { row in Array(ids.integers[(row * length)..<((row + 1) * length)]) }
        Self.expectClose(encoder.encode(tokens), try Self.reference(model, "text_last_hidden_state"), "last hidden state")
        Self.expectClose(encoder.encode(tokens, skipLayers: 1), try Self.reference(model, "text_penultimate_normed"), "clip skip 2")
    }

    @Test("VAE moments, posterior sample and decoded image equal diffusers'", arguments: models)
    func vae(model: String) throws {
        let folder = try Self.folder(model)
        let vae = try AutoencoderKL(config: folder.vaeConfig(), weights: folder.weights("vae"))
        let posterior = vae.encode(try Self.reference(model, "vae_input"))
        Self.expectClose(posterior.mean, try Self.reference(model, "vae_mean"), "mean")
        Self.expectClose(posterior.logVariance, try Self.reference(model, "vae_logvar"), "log-variance")
        Self.expectClose(posterior.standardDeviation, try Self.reference(model, "vae_std"), "std")
        Self.expectClose(posterior.sample(noise: try Self.reference(model, "vae_noise")), try Self.reference(model, "vae_sample"), "sample")
        Self.expectClose(vae.decode(try Self.reference(model, "vae_latent")), try Self.reference(model, "vae_decoded"), "decoded")
    }

    @Test("UNet noise prediction equals diffusers'", arguments: models, [("unet_t981", Float(981)), ("unet_t500_5", Float(500.5))])
    func unet(model: String, step: (reference: String, timestep: Float)) throws {
        let folder = try Self.folder(model)
        let unet = try UNet2DConditionModel(config: folder.unetConfig(), weights: folder.weights("unet"))
        let output = unet(try Self.reference(model, "unet_sample"), timestep: step.timestep,
                          context: try Self.reference(model, "unet_context"))
        Self.expectClose(output, try Self.reference(model, step.reference), "noise prediction at t=\(step.timestep)")
    }
}
