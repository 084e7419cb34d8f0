import RetouchImaging
import RetouchModels
import RetouchTensor
import RetouchChecks

/// When and how the VAE works in tiles (diffusers' `enable_vae_tiling`, stable-diffusion.cpp's `--vae-tiling`):
/// tiles of `tileSize` pixels overlapping by `overlap`, blended with `TileRamp`, so memory is bounded by one tile
/// whatever the image size. Independent tiles would each normalise with their own group-norm statistics and differ in
/// colour and contrast; Retouch first runs every tile to record its statistics, merges them, and normalises every
/// tile with the merged ones, so tiles agree (`sharedStatistics`).
public struct VAETiling: Sendable, Equatable {
    /// When to tile.
    public enum Mode: String, Sendable, CaseIterable {
        /// Tile images larger than `threshold` on either side (the default).
        case auto
        /// Always tile (images no larger than a tile still run whole).
        case on
        /// Never tile.
        case off
    }

    /// When to tile.
    public var mode: Mode = .auto
    /// Tile side in pixels (a multiple of the VAE factor).
    public var tileSize = 512
    /// Overlap between neighbouring tiles in pixels (a multiple of the VAE factor).
    public var overlap = 128
    /// With `.auto`, images with a side longer than this many pixels are tiled.
    public var threshold = 768
    /// Normalise every tile with group-norm statistics merged from a first pass over all tiles, so tiles match in
    /// colour and contrast (a second pass over the tiles; off by default, as diffusers).
    public var sharedStatistics = false

    /// The default: tiles of 512 px with 128 px overlap, above 768 px.
    public init() {}

    /// Whether an image of `width`×`height` pixels is tiled.
    public func applies(width: Int, height: Int) -> Bool {
        switch mode {
        case .off: return false
        case .on: return width > tileSize || height > tileSize
        case .auto: return max(width, height) > threshold && (width > tileSize || height > tileSize)
        }
    }
}

extension AutoencoderKL {
    /// `decode`, tile by tile when `tiling` applies: latent tiles are decoded on their own and blended in pixels.
    public func decode(_ latent: Tensor, tiling: VAETiling) -> Tensor {
        let factor = config.scaleFactor
        let (height, width) = (latent.shape[2], latent.shape[3])
        guard latent.shape[0] == 1, tiling.applies(width: width * factor, height: height * factor) else { return decode(latent) }
        let plan = TilePlan.covering(width: width, height: height,
                                     window: (tiling.tileSize / factor, tiling.tileSize / factor), overlap: tiling.overlap / factor)
        let shared = tiling.sharedStatistics ? Self.sharedStatistics(plan) { decode(latent.spatialCrop($0)) } : nil
        return TileBlender.blend(plan: plan, scale: factor, outputChannels: 3, width: width * factor, height: height * factor,
                                 ramp: tiling.overlap) { window in
            shared?.rewind()
            return SharedGroupNormStatistics.$current.withValue(shared) { decode(latent.spatialCrop(window)) }
        }
    }

    /// A first pass over every tile that records its group-norm statistics, merged into one set for the whole image.
    static func sharedStatistics(_ plan: TilePlan, run: (PixelRect) -> Any) -> SharedGroupNormStatistics {
        var passes = [(SharedGroupNormStatistics, weight: Double)]()
        for window in plan.windows {
            let recorder = SharedGroupNormStatistics()
            _ = SharedGroupNormStatistics.$current.withValue(recorder) { run(window) }
            passes.append((recorder, Double(window.width * window.height)))
        }
        return SharedGroupNormStatistics.merged(passes)
    }

    /// `encode`, tile by tile when `tiling` applies: pixel tiles are encoded on their own and their moments
    /// (mean and log-variance) blended in latent space.
    public func encode(_ image: Tensor, tiling: VAETiling) -> LatentDistribution {
        let factor = config.scaleFactor
        let (height, width) = (image.shape[2], image.shape[3])
        guard image.shape[0] == 1, tiling.applies(width: width, height: height),
              width % factor == 0, height % factor == 0 else { return encode(image) }
        let plan = TilePlan.covering(width: width / factor, height: height / factor,
                                     window: (tiling.tileSize / factor, tiling.tileSize / factor), overlap: tiling.overlap / factor)
        let latent = config.latentChannels
        func pixels(_ window: PixelRect) -> PixelRect {
            PixelRect(x: window.x * factor, y: window.y * factor, width: window.width * factor, height: window.height * factor)
        }
        let shared = tiling.sharedStatistics ? Self.sharedStatistics(plan) { _ = encode(image.spatialCrop(pixels($0))) } : nil
        let moments = TileBlender.blend(plan: plan, scale: 1, outputChannels: 2 * latent, width: width / factor,
                                        height: height / factor, ramp: tiling.overlap / factor) { window in
            shared?.rewind()
            let distribution = SharedGroupNormStatistics.$current.withValue(shared) { encode(image.spatialCrop(pixels(window))) }
            return Tensor.concatenateChannels([distribution.mean, distribution.logVariance])
        }
        let plane = latent * (height / factor) * (width / factor)
        let shape = [1, latent, height / factor, width / factor]
        return LatentDistribution(mean: Tensor(shape: shape, scalars: Array(moments.scalars[0..<plane])),
                                  logVariance: Tensor(shape: shape, scalars: Array(moments.scalars[plane...])))
    }
}

/// Runs a tile function over a plan and blends the outputs with `TileRamp` weights (normalised by their sum).
enum TileBlender {
    /// - Parameters:
    ///   - plan: windows in input units.
    ///   - scale: output pixels per input unit.
    ///   - ramp: ramp width in output pixels.
    ///   - tile: `[1, outputChannels, window.height·scale, window.width·scale]` for a window.
    static func blend(plan: TilePlan, scale: Int, outputChannels: Int, width: Int, height: Int, ramp: Int,
                      tile: (PixelRect) -> Tensor) -> Tensor {
        var sum = [Float](repeating: 0, count: outputChannels * width * height)
        var weightSum = [Float](repeating: 0, count: width * height)
        let plane = width * height
        for window in plan.windows {
            let output = tile(window)
            let rect = PixelRect(x: window.x * scale, y: window.y * scale, width: window.width * scale, height: window.height * scale)
            require(output.shape == [1, outputChannels, rect.height, rect.width], "tile output \(output.shape) for \(rect)")
            let weights = TileRamp.weights(for: rect, canvasWidth: width, canvasHeight: height, ramp: ramp)
            let tilePlane = rect.width * rect.height
            for y in 0..<rect.height {
                for x in 0..<rect.width {
                    let w = weights[y * rect.width + x]
                    let target = (rect.y + y) * width + rect.x + x
                    weightSum[target] += w
                    for c in 0..<outputChannels {
                        sum[c * plane + target] += w * output.scalars[c * tilePlane + y * rect.width + x]
                    }
                }
            }
        }
        for i in 0..<plane {
            let inverse = 1 / weightSum[i]
            for c in 0..<outputChannels { sum[c * plane + i] *= inverse }
        }
        return Tensor(shape: [1, outputChannels, height, width], scalars: sum)
    }
}

extension Tensor {
    /// The `[N, C, rect]` part of an `[N, C, H, W]` tensor.
    func spatialCrop(_ rect: PixelRect) -> Tensor {
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        require(rect.x >= 0 && rect.y >= 0 && rect.maxX <= width && rect.maxY <= height, "crop \(rect) outside \(shape)")
        var out = [Float]()
        out.reserveCapacity(batch * channels * rect.width * rect.height)
        for plane in 0..<(batch * channels) {
            for y in rect.y..<rect.maxY {
                let start = (plane * height + y) * width + rect.x
                out.append(contentsOf: scalars[start..<(start + rect.width)])
            }
        }
        return Tensor(shape: [batch, channels, rect.height, rect.width], scalars: out)
    }
}
