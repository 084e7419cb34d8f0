import Testing
import RetouchModels
import RetouchTensor

/// The generated rule tables reproduce Stable Diffusion 1.5's published key correspondence (4 levels,
/// 2 resnets per level, attention on the first three) and the VAE's bottom-up decoder numbering.
struct LDMKeyMapTests {
    static let sd15 = LDMUNetLayout(inChannels: 4, outChannels: 4, blockOutChannels: [320, 640, 1280, 1280],
                                    layersPerBlock: 2, downAttention: [true, true, true, false],
                                    upAttention: [false, true, true, true], linearProjection: false,
                                    crossAttentionDim: 768)
    static let sd15VAE = LDMVAELayout(blockOutChannels: [128, 256, 512, 512], layersPerBlock: 2)

    static func resolve(_ key: String) -> [MappedKey]? {
        let rules = LDMKeyMap.unet(sd15) + LDMKeyMap.vae(sd15VAE) + LDMKeyMap.openCLIP(storedLayers: 24, usedLayers: 23)
        return KeyMap(rules: rules, ignoredNames: LDMKeyMap.ignoredNames).resolve(key)
    }

    @Test("UNet keys", arguments: [
        ("time_embed.2.weight", "time_embedding.linear_2.weight"),
        ("input_blocks.0.0.bias", "conv_in.bias"),
        ("input_blocks.3.0.op.weight", "down_blocks.0.downsamplers.0.conv.weight"),
        ("input_blocks.4.1.proj_in.weight", "down_blocks.1.attentions.0.proj_in.weight"),
        ("input_blocks.11.0.out_layers.3.weight", "down_blocks.3.resnets.1.conv2.weight"),
        ("input_blocks.4.0.skip_connection.bias", "down_blocks.1.resnets.0.conv_shortcut.bias"),
        ("middle_block.1.transformer_blocks.0.attn2.to_k.weight", "mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight"),
        ("middle_block.2.emb_layers.1.bias", "mid_block.resnets.1.time_emb_proj.bias"),
        ("output_blocks.2.1.conv.weight", "up_blocks.0.upsamplers.0.conv.weight"),
        ("output_blocks.5.2.conv.bias", "up_blocks.1.upsamplers.0.conv.bias"),
        ("output_blocks.8.0.skip_connection.weight", "up_blocks.2.resnets.2.conv_shortcut.weight"),
        ("output_blocks.11.1.transformer_blocks.0.ff.net.2.weight", "up_blocks.3.attentions.2.transformer_blocks.0.ff.net.2.weight"),
        ("out.0.weight", "conv_norm_out.weight"),
        ("out.2.bias", "conv_out.bias"),
    ])
    func unetKey(stored: String, expected: String) {
        #expect(Self.resolve("model.diffusion_model." + stored) == [MappedKey(component: .unet, name: expected, transform: .identity)])
    }

    @Test("VAE keys", arguments: [
        ("encoder.down.1.block.0.nin_shortcut.weight", "encoder.down_blocks.1.resnets.0.conv_shortcut.weight", TensorTransform.identity),
        ("encoder.down.2.downsample.conv.bias", "encoder.down_blocks.2.downsamplers.0.conv.bias", .identity),
        ("decoder.up.3.block.2.conv1.weight", "decoder.up_blocks.0.resnets.2.conv1.weight", .identity),
        ("decoder.up.1.upsample.conv.weight", "decoder.up_blocks.2.upsamplers.0.conv.weight", .identity),
        ("decoder.mid.block_2.norm2.bias", "decoder.mid_block.resnets.1.norm2.bias", .identity),
        ("encoder.mid.attn_1.q.weight", "encoder.mid_block.attentions.0.to_q.weight", .squeezeUnitKernel),
        ("decoder.mid.attn_1.proj_out.bias", "decoder.mid_block.attentions.0.to_out.0.bias", .squeezeUnitKernel),
        ("encoder.mid.attn_1.norm.weight", "encoder.mid_block.attentions.0.group_norm.weight", .identity),
        ("encoder.norm_out.weight", "encoder.conv_norm_out.weight", .identity),
        ("post_quant_conv.weight", "post_quant_conv.weight", .identity),
    ])
    func vaeKey(stored: String, expected: String, transform: TensorTransform) {
        #expect(Self.resolve("first_stage_model." + stored) == [MappedKey(component: .vae, name: expected, transform: transform)])
    }

    @Test("OpenCLIP keys: fused q/k/v split, names mapped, the 24th layer ignored")
    func openCLIPKeys() {
        let p = "cond_stage_model.model."
        #expect(Self.resolve(p + "transformer.resblocks.3.attn.in_proj_weight") == ["q_proj", "k_proj", "v_proj"].enumerated().map {
            MappedKey(component: .textEncoder, name: "text_model.encoder.layers.3.self_attn.\($1).weight",
                      transform: .chunk(index: $0, count: 3))
        })
        #expect(Self.resolve(p + "transformer.resblocks.22.mlp.c_proj.bias")
                == [MappedKey(component: .textEncoder, name: "text_model.encoder.layers.22.mlp.fc2.bias", transform: .identity)])
        #expect(Self.resolve(p + "positional_embedding")
                == [MappedKey(component: .textEncoder, name: "text_model.embeddings.position_embedding.weight", transform: .identity)])
        #expect(Self.resolve(p + "ln_final.weight")
                == [MappedKey(component: .textEncoder, name: "text_model.final_layer_norm.weight", transform: .identity)])
        #expect(Self.resolve(p + "transformer.resblocks.23.ln_1.weight") == [])
        #expect(Self.resolve("betas") == [])
    }

    @Test("keys outside the tables resolve to nothing", arguments: [
        "model.diffusion_model.input_blocks.1.0.in_layers.1.weight",
        "model.diffusion_model.input_blocks.12.0.op.weight",
        "first_stage_model.decoder.up.4.block.0.conv1.weight",
        "conditioner.embedders.0.transformer.text_model.final_layer_norm.weight",
        "cond_stage_model.model.transformer.resblocks.24.ln_1.weight",
    ])
    func unknownKeys(stored: String) {
        #expect(Self.resolve(stored) == nil)
    }

    @Test("transforms: 1×1 kernels squeeze, fused rows split in three")
    func transforms() {
        #expect(TensorTransform.squeezeUnitKernel.shape(from: [8, 8, 1, 1]) == [8, 8])
        #expect(TensorTransform.squeezeUnitKernel.shape(from: [8]) == [8])
        #expect(TensorTransform.squeezeUnitKernel.shape(from: [8, 8, 3, 3]) == nil)
        #expect(TensorTransform.chunk(index: 1, count: 3).shape(from: [7, 2]) == nil)
        let fused = Tensor(shape: [6, 2], scalars: (0..<12).map(Float.init))
        #expect(TensorTransform.chunk(index: 1, count: 3).apply(fused) == Tensor(shape: [2, 2], scalars: [4, 5, 6, 7]))
    }
}
