import Foundation
import RetouchSchedulers
import RetouchTokenizer

/// Every parameter of a diffusion edit in one value, with its defaults and its validation in one place. The HTTP
/// APIs (AUTOMATIC1111's and the native job API) decode into it; past `validated(naming:)`, values are known-good.
public struct EditParameters: Sendable, Equatable {
    /// What to paint.
    public var prompt = ""
    /// What to avoid.
    public var negativePrompt = ""
    /// Denoising steps.
    public var steps = 20
    /// Classifier-free guidance scale.
    public var guidance = 7.5
    /// The scheduler; nil uses the model's own.
    public var scheduler: SchedulerKind?
    /// TCD's γ.
    public var eta = TCDScheduler.defaultEta
    /// The first image's seed; nil draws one at random. Image *k* of a batch uses `seed + k`.
    public var seed: UInt64?
    /// Denoising strength (img2img, inpaint, outpaint, variations).
    public var strength = 1.0
    /// Feather of the inpaint composite, px.
    public var maskBlur = 4.0
    /// Whole photo, or only the crop around the mask.
    public var area: InpaintArea = .whole
    /// Context around the mask for `.masked`, px.
    public var padding = 32
    /// What the masked area starts from when strength < 1.
    public var maskedContent: MaskedContent = .original
    /// Images to make (seeds `seed`, `seed + 1`, …).
    public var count = 1
    /// Prompt weighting and long-prompt handling.
    public var tokenizeOptions = TokenizeOptions()

    /// Defaults (20 steps, guidance 7.5, strength 1, mask blur 4, padding 32, one image).
    public init() {}

    /// The parameters' fields, named as a naming scheme spells them in errors.
    public enum Field: String, CaseIterable, Sendable {
        case steps, guidance, eta, strength, maskBlur = "mask_blur", padding, count
    }

    /// The largest batch one request may make.
    public static let maxCount = 64

    /// `self` when every value is in range, else an `InvalidParameter` naming the field as `name` spells it.
    public func validated(naming name: (Field) -> String = { $0.rawValue }) throws -> EditParameters {
        try ParameterRules.check(steps, name(.steps), in: ParameterRules.steps)
        try ParameterRules.check(guidance, name(.guidance), in: ParameterRules.guidance)
        try ParameterRules.check(eta, name(.eta), in: ParameterRules.eta)
        try ParameterRules.check(strength, name(.strength), in: ParameterRules.strength)
        try ParameterRules.check(maskBlur, name(.maskBlur), in: ParameterRules.blur)
        try ParameterRules.check(padding, name(.padding), in: ParameterRules.pixels)
        try ParameterRules.check(count, name(.count), in: 1...Self.maxCount)
        return self
    }

    /// The diffusion settings of image `index` (seed `seed + index`; `seed` must be resolved).
    public func diffusionSettings(index: Int = 0) -> DiffusionSettings {
        var settings = DiffusionSettings(prompt: prompt)
        settings.negativePrompt = negativePrompt
        settings.steps = steps
        settings.guidance = Float(guidance)
        settings.scheduler = scheduler
        settings.eta = eta
        settings.seed = (seed ?? 0) &+ UInt64(index)
        settings.tokenizeOptions = tokenizeOptions
        return settings
    }

    /// The inpainting options (strength, mask blur, area, padding, masked content).
    public var inpaintOptions: InpaintOptions {
        var options = InpaintOptions()
        options.strength = strength
        options.maskBlur = maskBlur
        options.area = area
        options.padding = padding
        options.maskedContent = maskedContent
        return options
    }

    /// A copy whose seed is fixed: the given one, or a random one in torch's 0…2³¹−1 as A1111 draws.
    public func withResolvedSeed() -> EditParameters {
        var copy = self
        if copy.seed == nil { copy.seed = UInt64.random(in: 0...UInt64(Int32.max)) }
        return copy
    }
}
