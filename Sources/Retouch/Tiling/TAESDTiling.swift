import RetouchImaging
import RetouchModels
import RetouchSchedulers
import RetouchTensor

extension TAESDDecoder {
    /// `callAsFunction`, tile by tile when `tiling` applies: latent tiles are decoded on their own and blended in
    /// pixels (TAESD has no group norms, so no statistics need sharing between tiles).
    public func decode(_ latent: Tensor, tiling: VAETiling) -> Tensor {
        let factor = config.scaleFactor
        let (height, width) = (latent.shape[2], latent.shape[3])
        guard latent.shape[0] == 1, tiling.applies(width: width * factor, height: height * factor) else { return self(latent) }
        let plan = TilePlan.covering(width: width, height: height,
                                     window: (tiling.tileSize / factor, tiling.tileSize / factor), overlap: tiling.overlap / factor)
        return TileBlender.blend(plan: plan, scale: factor, outputChannels: config.imageChannels, width: width * factor,
                                 height: height * factor, ramp: tiling.overlap) { self(latent.spatialCrop($0)) }
    }
}

extension AutoencoderTiny {
    /// `decode`, tile by tile when `tiling` applies.
    public func decode(_ latent: Tensor, tiling: VAETiling) -> Tensor { decoder.decode(latent, tiling: tiling) }

    /// `encode`, tile by tile when `tiling` applies: pixel tiles are encoded on their own and their latents blended.
    public func encode(_ image: Tensor, tiling: VAETiling) -> Tensor {
        let factor = config.scaleFactor
        let (height, width) = (image.shape[2], image.shape[3])
        guard image.shape[0] == 1, tiling.applies(width: width, height: height),
              width % factor == 0, height % factor == 0 else { return encode(image) }
        let plan = TilePlan.covering(width: width / factor, height: height / factor,
                                     window: (tiling.tileSize / factor, tiling.tileSize / factor), overlap: tiling.overlap / factor)
        return TileBlender.blend(plan: plan, scale: 1, outputChannels: config.latentChannels, width: width / factor,
                                 height: height / factor, ramp: tiling.overlap / factor) { window in
            encode(image.spatialCrop(PixelRect(x: window.x * factor, y: window.y * factor,
                                               width: window.width * factor, height: window.height * factor)))
        }
    }
}

extension ImageAutoencoder {
    /// Unscaled latents of `pixels` `[1, 3, H, W]` in `[-1, 1]` without drawing randomness: the `AutoencoderKL`
    /// distribution's mean, or TAESD's latents.
    public func encodeMean(_ pixels: Tensor, tiling: VAETiling) -> Tensor {
        switch self {
        case .kl(let vae): vae.encode(pixels, tiling: tiling).mean
        case .tiny(let taesd): taesd.encode(pixels, tiling: tiling)
        }
    }

    /// Unscaled latents of `pixels` as diffusers' pipelines take them (`retrieve_latents`, sample mode): a posterior
    /// sample of `AutoencoderKL`'s distribution, its noise drawn from `random`; TAESD's latents, drawing nothing.
    public func encodeSample<R: RandomSource>(_ pixels: Tensor, tiling: VAETiling, random: inout R) -> Tensor {
        switch self {
        case .kl(let vae):
            let distribution = vae.encode(pixels, tiling: tiling)
            return distribution.sample(noise: random.normalTensor(distribution.mean.shape))
        case .tiny(let taesd):
            return taesd.encode(pixels, tiling: tiling)
        }
    }

    /// Unscaled latents → image `[N, 3, H, W]`, nominally in `[-1, 1]`.
    public func decode(_ latent: Tensor, tiling: VAETiling) -> Tensor {
        switch self {
        case .kl(let vae): vae.decode(latent, tiling: tiling)
        case .tiny(let taesd): taesd.decode(latent, tiling: tiling)
        }
    }
}
