import Foundation
import Testing
import RetouchModels
import RetouchTestSupport

/// Configs are read from the checkpoint's own config.json, normalised at the boundary, and anything Retouch
/// does not implement is an error naming the file and key.
struct ConfigTests {
    static func unet(_ json: String) throws -> UNetConfig {
        try UNetConfig(ConfigReader(data: Data(json.utf8), file: "unet/config.json"))
    }

    static let base = #""block_out_channels": [32, 64], "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"], "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"], "norm_num_groups": 8"#

    @Test("attention_head_dim is the head count when num_attention_heads is absent")
    func headCountQuirk() throws {
        #expect(try Self.unet("{\(Self.base), \"attention_head_dim\": 8}").attentionHeads == [8, 8])
        #expect(try Self.unet("{\(Self.base), \"attention_head_dim\": [2, 4]}").attentionHeads == [2, 4])
        #expect(try Self.unet("{\(Self.base), \"attention_head_dim\": 8, \"num_attention_heads\": 4}").attentionHeads == [4, 4])
    }

    @Test("scalar-or-list fields become one value per block")
    func perBlock() throws {
        let config = try Self.unet("{\(Self.base), \"layers_per_block\": 2, \"cross_attention_dim\": [16, 24]}")
        #expect(config.layersPerBlock == [2, 2])
        #expect(config.crossAttentionDim == [16, 24])
        #expect(config.downBlocks == [.crossAttention, .plain])
    }

    @Test("the fixtures' configs decode to what their folders say", arguments: [
        ("tiny-sd1", 4, false, [8, 8]), ("tiny-sd2", 4, true, [2, 4, 4]), ("tiny-inpaint", 9, false, [8, 8]),
    ] as [(String, Int, Bool, [Int])])
    func fixtures(name: String, inChannels: Int, linear: Bool, heads: [Int]) throws {
        let folder = try DiffusersFolder(url: Fixtures.url("models/\(name)"))
        let unet = try folder.unetConfig()
        #expect(unet.inChannels == inChannels)
        #expect(unet.useLinearProjection == linear)
        #expect(unet.attentionHeads == heads)
        #expect(try folder.vaeConfig().scaleFactor == 8)
    }

    @Test("unsupported values are errors naming file and key", arguments: [
        (#""down_block_types": ["SimpleCrossAttnDownBlock2D", "DownBlock2D"]"#, "down_block_types",
         "unsupported block 'SimpleCrossAttnDownBlock2D' (supported: CrossAttnDownBlock2D, DownBlock2D)"),
        (#""class_embed_type": "timestep""#, "class_embed_type", "unsupported value 'timestep' (Retouch supports null only)"),
        (#""only_cross_attention": true"#, "only_cross_attention", "unsupported value true (Retouch supports false only)"),
        (#""layers_per_block": [1, 2, 3]"#, "layers_per_block", "has 3 entries for 2 blocks"),
        (#""attention_head_dim": 7"#, "attention_head_dim", "value 7 does not divide level 0's 32 channels; heads must divide each level's channels"),
        (#""norm_num_groups": 3"#, "norm_num_groups",
         "value 3 does not divide 32 channels (block_out_channels [32, 64]); it must divide every level's channels"),
        (#""in_channels": 4.5"#, "in_channels", "expected an integer, got 4.5"),
    ])
    func unsupported(field: String, key: String, problem: String) {
        let json = "{" + Self.base.replacingOccurrences(of: #""down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"], "#,
                                                         with: field.hasPrefix(#""down_block_types""#) ? "" : #""down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"], "#)
            .replacingOccurrences(of: #", "norm_num_groups": 8"#, with: key == "norm_num_groups" ? "" : #", "norm_num_groups": 8"#)
            + ", " + field + "}"
        #expect(throws: ConfigError(file: "unet/config.json", key: key, problem: problem)) { try Self.unet(json) }
    }

    @Test("text encoder activations and unsupported ones")
    func textEncoder() throws {
        let gelu = try CLIPTextConfig(ConfigReader(data: Data(#"{"hidden_act": "gelu", "hidden_size": 16, "num_attention_heads": 2}"#.utf8), file: "c.json"))
        #expect(gelu.activation == .gelu)
        #expect(throws: ConfigError(file: "c.json", key: "hidden_act", problem: "unsupported value 'relu' (supported: quick_gelu, gelu, gelu_new)")) {
            try CLIPTextConfig(ConfigReader(data: Data(#"{"hidden_act": "relu"}"#.utf8), file: "c.json"))
        }
    }

    @Test("malformed JSON names the file")
    func malformed() {
        #expect(throws: ConfigError(file: "x/config.json", problem: "not a JSON object")) {
            try ConfigReader(data: Data("[1]".utf8), file: "x/config.json")
        }
    }
}
