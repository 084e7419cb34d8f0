/// Rule tables from the original LDM/CompVis single-file names to diffusers names, generated from the layout.
///
/// The numbering follows the LDM `UNetModel`: `input_blocks.0` is `conv_in`; down level `i` owns
/// `input_blocks.1 + i·(L+1) … ` (`L` resnets, each with its transformer at `.1`) and then its downsampler;
/// `output_blocks` hold `L+1` resnets per up level with the upsampler after the last. The VAE numbers decoder
/// levels bottom-up (`decoder.up.0` is diffusers' last `up_blocks`). The same correspondence diffusers'
/// `convert_ldm_unet_checkpoint` / `convert_ldm_vae_checkpoint` implement, written as prefix tables.
public enum LDMKeyMap {
    /// Training leftovers that single files carry and Retouch does not use (exact names).
    public static let ignoredNames: Set<String> = [
        "betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod",
        "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod",
        "posterior_variance", "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2",
        "logvar", "lvlb_weights", "model_ema.decay", "model_ema.num_updates",
        "cond_stage_model.transformer.text_model.embeddings.position_ids",
        "cond_stage_model.transformer.embeddings.position_ids",
    ]

    /// Prefixes of unused keys: EMA copies of the UNet (the non-EMA weights are loaded, as diffusers does by
    /// default) and the autoencoder's training loss (discriminator, LPIPS).
    public static let ignoredPrefixes = ["model_ema.", "first_stage_model.loss."]

    /// The residual block's LDM sub-names and their diffusers names.
    static let unetResnet = [("in_layers.0.", "norm1."), ("in_layers.2.", "conv1."), ("emb_layers.1.", "time_emb_proj."),
                             ("out_layers.0.", "norm2."), ("out_layers.3.", "conv2."), ("skip_connection.", "conv_shortcut.")]

    /// The UNet's rules, `model.diffusion_model.*` → `UNet2DConditionModel` names.
    public static func unet(_ layout: LDMUNetLayout) -> [KeyRule] {
        let p = LDMUNetLayout.prefix
        var rules: [KeyRule] = []
        func rename(_ source: String, _ target: String) { rules.append(.rename(p + source, target, in: .unet)) }
        func resnet(_ source: String, _ target: String) {
            for (old, new) in unetResnet { rename(source + old, target + new) }
        }
        rename("time_embed.0.", "time_embedding.linear_1.")
        rename("time_embed.2.", "time_embedding.linear_2.")
        rename("input_blocks.0.0.", "conv_in.")
        rename("out.0.", "conv_norm_out.")
        rename("out.2.", "conv_out.")
        let levels = layout.blockOutChannels.count, perLevel = layout.layersPerBlock + 1
        for level in 0..<levels {
            for j in 0..<layout.layersPerBlock {
                let index = 1 + level * perLevel + j
                resnet("input_blocks.\(index).0.", "down_blocks.\(level).resnets.\(j).")
                if layout.downAttention[level] {
                    rename("input_blocks.\(index).1.", "down_blocks.\(level).attentions.\(j).")
                }
            }
            if level < levels - 1 {
                rename("input_blocks.\((level + 1) * perLevel).0.op.", "down_blocks.\(level).downsamplers.0.conv.")
            }
        }
        resnet("middle_block.0.", "mid_block.resnets.0.")
        rename("middle_block.1.", "mid_block.attentions.0.")
        resnet("middle_block.2.", "mid_block.resnets.1.")
        for level in 0..<levels {
            for j in 0..<perLevel {
                let index = level * perLevel + j
                resnet("output_blocks.\(index).0.", "up_blocks.\(level).resnets.\(j).")
                if layout.upAttention[level] {
                    rename("output_blocks.\(index).1.", "up_blocks.\(level).attentions.\(j).")
                }
            }
            if level < levels - 1 {
                let slot = layout.upAttention[level] ? 2 : 1
                rename("output_blocks.\(level * perLevel + perLevel - 1).\(slot).conv.", "up_blocks.\(level).upsamplers.0.conv.")
            }
        }
        return rules
    }

    /// The VAE's rules, `first_stage_model.*` → `AutoencoderKL` names.
    public static func vae(_ layout: LDMVAELayout) -> [KeyRule] {
        let p = LDMVAELayout.prefix
        var rules: [KeyRule] = []
        func rename(_ source: String, _ target: String, _ transform: TensorTransform = .identity) {
            rules.append(.rename(p + source, target, in: .vae, transform: transform))
        }
        func resnet(_ source: String, _ target: String) {
            for name in ["norm1.", "conv1.", "norm2.", "conv2."] { rename(source + name, target + name) }
            rename(source + "nin_shortcut.", target + "conv_shortcut.")
        }
        for conv in ["quant_conv.", "post_quant_conv."] { rename(conv, conv) }
        let levels = layout.blockOutChannels.count
        for coder in ["encoder", "decoder"] {
            rename("\(coder).conv_in.", "\(coder).conv_in.")
            rename("\(coder).conv_out.", "\(coder).conv_out.")
            rename("\(coder).norm_out.", "\(coder).conv_norm_out.")
            resnet("\(coder).mid.block_1.", "\(coder).mid_block.resnets.0.")
            resnet("\(coder).mid.block_2.", "\(coder).mid_block.resnets.1.")
            let attention = "\(coder).mid_block.attentions.0."
            rename("\(coder).mid.attn_1.norm.", attention + "group_norm.")
            for (old, new) in [("q.", "to_q."), ("k.", "to_k."), ("v.", "to_v."), ("proj_out.", "to_out.0.")] {
                rename("\(coder).mid.attn_1.\(old)", attention + new, .squeezeUnitKernel)
            }
        }
        for level in 0..<levels {
            for j in 0..<layout.layersPerBlock {
                resnet("encoder.down.\(level).block.\(j).", "encoder.down_blocks.\(level).resnets.\(j).")
            }
            if level < levels - 1 {
                rename("encoder.down.\(level).downsample.conv.", "encoder.down_blocks.\(level).downsamplers.0.conv.")
            }
            let stored = levels - 1 - level  // decoder levels are stored bottom-up
            for j in 0...layout.layersPerBlock {
                resnet("decoder.up.\(stored).block.\(j).", "decoder.up_blocks.\(level).resnets.\(j).")
            }
            if level < levels - 1 {
                rename("decoder.up.\(stored).upsample.conv.", "decoder.up_blocks.\(level).upsamplers.0.conv.")
            }
        }
        return rules
    }

    /// All rules for a checkpoint with these layouts, ignore rules included.
    public static func rules(unet: LDMUNetLayout, vae: LDMVAELayout, text: LDMTextLayout) -> [KeyRule] {
        Self.unet(unet) + Self.vae(vae) + textEncoder(text) + ignoredPrefixes.map(KeyRule.ignore)
    }
}
