import Foundation
import RetouchImaging
import RetouchSchedulers
import RetouchTensor
import RetouchChecks

/// Spherical linear interpolation, the way to move between Gaussian noises without passing through
/// low-norm (washed-out) points as a straight line would.
public enum Slerp {
    /// The point a fraction `t` of the way from `a` to `b` along the great circle through them (scaled by their
    /// norms); falls back to linear interpolation when they are nearly parallel.
    public static func interpolate(_ a: Tensor, _ b: Tensor, t: Float) -> Tensor {
        require(a.shape == b.shape, "slerp between \(a.shape) and \(b.shape)")
        var dot = 0.0, normA = 0.0, normB = 0.0
        for i in 0..<a.count {
            let x = Double(a.scalars[i]), y = Double(b.scalars[i])
            dot += x * y; normA += x * x; normB += y * y
        }
        let cosine = dot / max((normA * normB).squareRoot(), .leastNormalMagnitude)
        guard abs(cosine) < 0.9995 else { return a.linearCombination(1 - t, t, b) }
        let theta = acos(min(max(cosine, -1), 1))
        let s = sin(theta)
        let wa = Float(sin((1 - Double(t)) * theta) / s), wb = Float(sin(Double(t) * theta) / s)
        return a.linearCombination(wa, wb, b)
    }
}

extension EditPipelines {
    /// The latent-space walk: `frames` images from `settings` (prompt, seed) to `toPrompt` and `toSeed`. Initial
    /// noises are interpolated spherically and prompt embeddings linearly; every frame uses the first seed's
    /// stream for per-step noise, so the first frame is exactly `generate` with the first seed, and with a
    /// deterministic scheduler the last is `generate` with the second seed and prompt.
    public func walk(_ settings: DiffusionSettings, toPrompt: String? = nil, toSeed: UInt64, frames: Int,
                     width: Int, height: Int, progress: Progress? = nil,
                     frameDone: ((Int, DiffusionResult) throws -> Void)? = nil) throws -> [DiffusionResult] {
        guard frames >= 1 else { throw PipelineError("a walk needs at least 1 frame; got \(frames)") }
        let shape = try latentShape(width: width, height: height)
        let from = model.encode(prompt: settings.prompt, negativePrompt: settings.negativePrompt, options: settings.tokenizeOptions)
        let to = toPrompt.map { model.encode(prompt: $0, negativePrompt: settings.negativePrompt, options: settings.tokenizeOptions) } ?? from
        guard from.embeddings.shape == to.embeddings.shape else {
            throw PipelineError("the two prompts encode to different lengths (\(from.embeddings.shape[1]) and \(to.embeddings.shape[1]) tokens); use the same number of 75-token chunks")
        }
        var stream = TorchRandomSource(seed: settings.seed)
        let start = stream.normalTensor(shape)
        var endStream = TorchRandomSource(seed: toSeed)
        let end = endStream.normalTensor(shape)
        let warnings = from.warnings + to.warnings.filter { !from.warnings.contains($0) }
        var results = [DiffusionResult]()
        for frame in 0..<frames {
            let t = frames == 1 ? 0 : Float(frame) / Float(frames - 1)
            var random = stream
            let steps = settings.steps
            let result = try generate(settings, noise: Slerp.interpolate(start, end, t: t),
                                      embeddings: from.embeddings.linearCombination(1 - t, t, to.embeddings),
                                      random: &random, warnings: warnings) { done, _ in progress?(frame * steps + done, frames * steps) }
            try frameDone?(frame, result)
            results.append(result)
        }
        return results
    }

    /// `count` img2img variations of a photo with seeds `settings.seed`, `settings.seed + 1`, …
    public func variations(photo: Image, settings: DiffusionSettings, strength: Double, count: Int,
                           colorCorrection: Bool = false, progress: Progress? = nil,
                           variationDone: ((Int, DiffusionResult) throws -> Void)? = nil) throws -> [DiffusionResult] {
        guard count >= 1 else { throw PipelineError("--count must be at least 1; got \(count)") }
        var results = [DiffusionResult]()
        for index in 0..<count {
            var seeded = settings
            seeded.seed = settings.seed &+ UInt64(index)
            var result = try img2img(photo: photo, settings: seeded, strength: strength) { done, total in
                progress?(index * total + done, count * total)
            }
            if colorCorrection {
                let all = Mask(width: photo.width, height: photo.height, fill: 1)
                result.image = result.image.colorCorrected(region: all, toMatch: photo, referenceRegion: all)
            }
            try variationDone?(index, result)
            results.append(result)
        }
        return results
    }
}
