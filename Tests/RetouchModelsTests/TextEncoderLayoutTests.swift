import Foundation
import Testing
import RetouchModels
import RetouchSafetensors
import RetouchTensor
import RetouchTestSupport

/// Text-encoder weights load whichever way transformers named them: with `text_model.` (published repositories,
/// transformers < 5.6) or without (transformers ≥ 5.6 `save_pretrained`).
@Suite("Text-encoder key layouts")
struct TextEncoderLayoutTests {
    @Test("tiny-sd1 is stored as today's transformers saves it: no text_model. prefix")
    func fixtureIsUnprefixed() throws {
        let stored = try DiffusersFolder(url: Fixtures.url("models/tiny-sd1")).storedWeights("text_encoder")
        #expect(stored.tensorNames.contains("embeddings.token_embedding.weight"))
        #expect(!stored.tensorNames.contains { $0.hasPrefix("text_model.") })
    }

    @Test("the prefixed and unprefixed files give the same canonical names and the same hidden states")
    func bothLayoutsLoadIdentically() throws {
        let folder = try DiffusersFolder(url: Fixtures.url("models/tiny-sd1"))
        let stored = try folder.storedWeights("text_encoder")
        var prefixed: [String: Tensor] = [:]
        for name in stored.tensorNames { prefixed["text_model." + name] = try stored.tensor(name) }
        let file = try Fixtures.temporaryDirectory().appendingPathComponent("model.safetensors")
        try SafetensorsWriter.write(prefixed, to: file)
        let published = TextEncoderKeyNames(try SafetensorsWeights(urls: [file]))
        let current = try folder.weights("text_encoder")
        #expect(!published.isUnprefixed)
        #expect(published.tensorNames == current.tensorNames)
        let config = try folder.textEncoderConfig()
        let ids = [[49406, 320, 1125, 539, 320, 2368, 49407] + Array(repeating: 49407, count: 70)]
        let a = try CLIPTextModel(config: config, weights: published).encode(ids)
        let b = try CLIPTextModel(config: config, weights: current).encode(ids)
        #expect(a == b)
    }

    @Test("top-level parts such as text_projection keep their names; only the transformer's parts gain the prefix")
    func projectionKeepsItsName() throws {
        let names = ["embeddings.token_embedding.weight", "encoder.layers.0.mlp.fc1.weight", "final_layer_norm.bias", "text_projection.weight"]
        let file = try Fixtures.temporaryDirectory().appendingPathComponent("model.safetensors")
        try SafetensorsWriter.write(Dictionary(uniqueKeysWithValues: names.map { ($0, Tensor(shape: [2], scalars: [1, 2])) }), to: file)
        let view = TextEncoderKeyNames(try SafetensorsWeights(urls: [file]))
        #expect(view.tensorNames == ["text_model.embeddings.token_embedding.weight", "text_model.encoder.layers.0.mlp.fc1.weight",
                                     "text_model.final_layer_norm.bias", "text_projection.weight"])
        #expect(try view.tensor("text_model.final_layer_norm.bias").scalars == [1, 2])
    }
}
