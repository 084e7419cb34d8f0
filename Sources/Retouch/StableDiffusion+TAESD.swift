import Foundation
import RetouchFiles
import RetouchModels
import RetouchTensor

/// A `--vae` argument opened: an `AutoencoderKL` (`StandaloneVAE`) or a TAESD (`StandaloneTAESD`, told apart by its
/// config's `_class_name: AutoencoderTiny` or by its keys).
enum ReplacementVAE: Sendable {
    case kl(StandaloneVAE)
    case tiny(StandaloneTAESD)

    /// Opens `url`; `modelConfig` is the checkpoint's own VAE config (the template for single-file `AutoencoderKL`s).
    init(_ url: URL, modelConfig: [String: JSONValue], variant: String?) throws {
        if StandaloneTAESD.detect(url) {
            self = .tiny(try StandaloneTAESD(url: url, flag: "--vae", needsEncoder: true, variant: variant))
        } else {
            self = .kl(try StandaloneVAE(url: url, modelConfig: modelConfig, variant: variant))
        }
    }

    /// Builds the autoencoder (a TAESD's weights stay fp32).
    func load(precision: Precision) throws -> ImageAutoencoder {
        switch self {
        case .kl(let vae): .kl(try AutoencoderKL(config: vae.config, weights: vae.weights, precision: precision))
        case .tiny(let taesd): .tiny(try taesd.autoencoder())
        }
    }

    /// A1111's infotext pairs for a replacement VAE: `VAE hash` (first 10 hex of the file's SHA-256; omitted when the
    /// weights span several files) and `VAE` (its file or folder name).
    func infotextFields() throws -> [(String, String)] {
        let (file, name): (URL?, String) = switch self {
        case .kl(let vae): (vae.hashedFile, vae.name)
        case .tiny(let taesd): (taesd.hashedFile, taesd.name)
        }
        let hash = try file.map { try FileHash.shortHash(of: $0) }
        return (hash.map { [("VAE hash", $0)] } ?? []) + [("VAE", name)]
    }
}

extension StableDiffusion {
    /// Loads the TAESD at `argument` (when given) as the decoder of final images (`--decoder taesd:PATH`), checks that
    /// it decodes this model's latents (channels and pixels per latent), and records `VAE Decoder: TAESD` in the
    /// infotext, as AUTOMATIC1111 does when its `sd_vae_decode_method` is TAESD.
    mutating func attachTAESDDecoder(_ argument: String?) throws {
        guard let argument else { return }
        let url = Self.vaeURL(argument)
        let decoder = try StandaloneTAESD(url: url, flag: "--decoder", needsEncoder: false).decoder()
        try Self.checkTAESD(decoder.config, fits: latentSpace, origin: url.path, flag: "--decoder")
        taesdDecoder = decoder
        infotextFields.append(("VAE Decoder", "TAESD"))
    }

    /// Throws unless a TAESD decodes latents of `space`: the same channels and pixels per latent.
    static func checkTAESD(_ config: TAESDConfig, fits space: LatentSpace, origin: String, flag: String) throws {
        guard config.latentChannels == space.latentChannels, config.scaleFactor == space.scaleFactor else {
            throw ModelLoadingError(origin: origin, problem: "\(flag): this TAESD decodes \(config.latentChannels)-channel latents at " +
                                    "\(config.scaleFactor) px per latent; the model's are \(space.latentChannels)-channel at \(space.scaleFactor) px " +
                                    "(SD 1/2 need taesd_*, SDXL taesdxl_*)")
        }
    }
}
