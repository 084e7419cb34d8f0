/// Text-encoder rules: SD1's OpenAI CLIP (transformers names under a prefix) and SD2's OpenCLIP.
extension LDMKeyMap {
    /// OpenCLIP's per-layer sub-names and their transformers `CLIPEncoderLayer` names.
    static let openCLIPLayer = [("ln_1.", "layer_norm1."), ("ln_2.", "layer_norm2."), ("mlp.c_fc.", "mlp.fc1."),
                                ("mlp.c_proj.", "mlp.fc2."), ("attn.out_proj.", "self_attn.out_proj.")]

    /// The text encoder's rules → transformers `CLIPTextModel` names (`text_model.*`).
    public static func textEncoder(_ layout: LDMTextLayout) -> [KeyRule] {
        switch layout.kind {
        case .openAICLIP(let prefix):
            return [.rename(prefix, "text_model.", in: .textEncoder)]
        case .openCLIP:
            return openCLIP(storedLayers: layout.storedLayers, usedLayers: layout.usedLayers)
        }
    }

    /// OpenCLIP (`cond_stage_model.model.*`) → `CLIPTextModel`: fused `attn.in_proj_weight`/`in_proj_bias` split
    /// into q, k, v; `positional_embedding` → `position_embedding.weight`; `ln_final` → `final_layer_norm`.
    /// Layers from `usedLayers` on (SD2's last, unused block), `text_projection`, `logit_scale` and `attn_mask`
    /// are ignored.
    public static func openCLIP(storedLayers: Int, usedLayers: Int) -> [KeyRule] {
        let p = LDMTextLayout.openCLIPPrefix
        func rename(_ source: String, _ target: String) -> KeyRule { .rename(p + source, target, in: .textEncoder) }
        var rules = [
            rename("token_embedding.", "text_model.embeddings.token_embedding."),
            rename("positional_embedding", "text_model.embeddings.position_embedding.weight"),
            rename("ln_final.", "text_model.final_layer_norm."),
            .ignore(p + "text_projection"), .ignore(p + "logit_scale"), .ignore(p + "attn_mask"),
        ]
        for layer in 0..<storedLayers {
            let source = "transformer.resblocks.\(layer)."
            guard layer < usedLayers else {
                rules.append(.ignore(p + source))
                continue
            }
            let target = "text_model.encoder.layers.\(layer)."
            for (old, new) in openCLIPLayer { rules.append(rename(source + old, target + new)) }
            let fused = ["q_proj.", "k_proj.", "v_proj."].enumerated().map { index, name in
                KeyRule.Target(component: .textEncoder, prefix: target + "self_attn." + name,
                               transform: .chunk(index: index, count: 3))
            }
            rules.append(KeyRule(source: p + source + "attn.in_proj_", targets: fused))
        }
        return rules
    }
}
