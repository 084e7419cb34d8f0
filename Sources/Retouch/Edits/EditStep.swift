import Foundation
import RetouchFill
import RetouchSchedulers

/// One step of an edit: values that compose with `Edit { … }` and map one-to-one onto recipe files.
public enum EditStep: Codable, Sendable, Equatable {
    /// Sets the mask later steps use.
    case mask(MaskSpec)
    /// Inpaints the mask (the current one when `mask` is nil).
    case inpaint(InpaintStep)
    /// img2img toward a prompt.
    case img2img(Img2ImgStep)
    /// Removes what the mask covers with the model-free fill.
    case remove(RemoveStep)
    /// Resizes the image.
    case resize(width: Int, height: Int)
    /// Crops the image.
    case crop(x: Int, y: Int, width: Int, height: Int)
    /// Writes the current image (a checkpoint of the edit); `{name}` is the photo's name.
    case save(path: String)

    private enum Kind: String, CodingKey, CaseIterable { case mask, inpaint, img2img, remove, resize, crop, save }
    private struct Size: Codable {
        let width: Int, height: Int
        init(width: Int, height: Int) { self.width = width; self.height = height }
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            (width, height) = try c.decodeSize(width: .width, height: .height)
        }
    }
    private struct Region: Codable {
        let x: Int, y: Int, width: Int, height: Int
        init(x: Int, y: Int, width: Int, height: Int) { self.x = x; self.y = y; self.width = width; self.height = height }
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            x = try c.decode(.x, in: ParameterRules.pixels)
            y = try c.decode(.y, in: ParameterRules.pixels)
            (width, height) = try c.decodeSize(width: .width, height: .height)
        }
    }

    /// A recipe step is a one-key object: `{inpaint: {prompt: …}}`, `{resize: {width: 512, height: 512}}`, `{save: path}`.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Kind.self)
        guard container.allKeys.count == 1, let kind = container.allKeys.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "a step is one of \(Kind.allCases.map(\.rawValue).joined(separator: ", ")), written as a one-key object"))
        }
        switch kind {
        case .mask: self = .mask(try container.decode(MaskSpec.self, forKey: kind))
        case .inpaint: self = .inpaint(try container.decode(InpaintStep.self, forKey: kind))
        case .img2img: self = .img2img(try container.decode(Img2ImgStep.self, forKey: kind))
        case .remove: self = .remove(try container.decode(RemoveStep.self, forKey: kind))
        case .resize:
            let size = try container.decode(Size.self, forKey: kind)
            self = .resize(width: size.width, height: size.height)
        case .crop:
            let region = try container.decode(Region.self, forKey: kind)
            self = .crop(x: region.x, y: region.y, width: region.width, height: region.height)
        case .save: self = .save(path: try container.decode(String.self, forKey: kind))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Kind.self)
        switch self {
        case .mask(let spec): try container.encode(spec, forKey: .mask)
        case .inpaint(let step): try container.encode(step, forKey: .inpaint)
        case .img2img(let step): try container.encode(step, forKey: .img2img)
        case .remove(let step): try container.encode(step, forKey: .remove)
        case .resize(let width, let height): try container.encode(Size(width: width, height: height), forKey: .resize)
        case .crop(let x, let y, let width, let height): try container.encode(Region(x: x, y: y, width: width, height: height), forKey: .crop)
        case .save(let path): try container.encode(path, forKey: .save)
        }
    }
}

/// Settings of an inpaint step.
public struct InpaintStep: Codable, Sendable, Equatable {
    public var mask: MaskSpec?
    public var prompt: String
    public var negativePrompt: String = ""
    public var strength: Double = 1
    public var steps: Int = 30
    public var guidance: Float = 7.5
    public var scheduler: SchedulerKind?
    /// TCD's γ (0…1); the other schedulers ignore it.
    public var eta: Double = TCDScheduler.defaultEta
    public var seed: UInt64?
    public var maskBlur: Double = 4
    public var area: InpaintArea = .whole
    public var padding: Int = 32

    enum CodingKeys: String, CodingKey {
        case mask, prompt, strength, steps, guidance, scheduler, eta, seed, area, padding
        case negativePrompt = "negative_prompt", maskBlur = "mask_blur"
    }

    /// Decodes a recipe step; only `prompt` is required.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(prompt: try c.decode(String.self, forKey: .prompt))
        mask = try c.decodeIfPresent(MaskSpec.self, forKey: .mask)
        negativePrompt = try c.decodeIfPresent(String.self, forKey: .negativePrompt) ?? negativePrompt
        strength = try c.decode(.strength, default: strength, in: ParameterRules.strength)
        steps = try c.decode(.steps, default: steps, in: ParameterRules.steps)
        guidance = Float(try c.decode(.guidance, default: Double(guidance), in: ParameterRules.guidance))
        scheduler = try c.decodeChoice(.scheduler, as: SchedulerKind.self)
        eta = try c.decode(.eta, default: eta, in: ParameterRules.eta)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        maskBlur = try c.decode(.maskBlur, default: maskBlur, in: ParameterRules.blur)
        area = try c.decodeChoice(.area, as: InpaintArea.self) ?? area
        padding = try c.decode(.padding, default: padding, in: ParameterRules.pixels)
    }

    /// Creates a step.
    public init(mask: MaskSpec? = nil, prompt: String, negativePrompt: String = "", strength: Double = 1, steps: Int = 30,
                guidance: Float = 7.5, scheduler: SchedulerKind? = nil, seed: UInt64? = nil, maskBlur: Double = 4,
                area: InpaintArea = .whole, padding: Int = 32) {
        self.mask = mask
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.strength = strength
        self.steps = steps
        self.guidance = guidance
        self.scheduler = scheduler
        self.seed = seed
        self.maskBlur = maskBlur
        self.area = area
        self.padding = padding
    }
}

/// Settings of an img2img step.
public struct Img2ImgStep: Codable, Sendable, Equatable {
    public var prompt: String
    public var negativePrompt: String = ""
    public var strength: Double = 0.8
    public var steps: Int = 30
    public var guidance: Float = 7.5
    public var scheduler: SchedulerKind?
    /// TCD's γ (0…1); the other schedulers ignore it.
    public var eta: Double = TCDScheduler.defaultEta
    public var seed: UInt64?

    enum CodingKeys: String, CodingKey {
        case prompt, strength, steps, guidance, scheduler, eta, seed
        case negativePrompt = "negative_prompt"
    }

    /// Decodes a recipe step; only `prompt` is required.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(prompt: try c.decode(String.self, forKey: .prompt))
        negativePrompt = try c.decodeIfPresent(String.self, forKey: .negativePrompt) ?? negativePrompt
        strength = try c.decode(.strength, default: strength, in: ParameterRules.strength)
        steps = try c.decode(.steps, default: steps, in: ParameterRules.steps)
        guidance = Float(try c.decode(.guidance, default: Double(guidance), in: ParameterRules.guidance))
        scheduler = try c.decodeChoice(.scheduler, as: SchedulerKind.self)
        eta = try c.decode(.eta, default: eta, in: ParameterRules.eta)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
    }

    /// Creates a step.
    public init(prompt: String, negativePrompt: String = "", strength: Double = 0.8, steps: Int = 30, guidance: Float = 7.5,
                scheduler: SchedulerKind? = nil, seed: UInt64? = nil) {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.strength = strength
        self.steps = steps
        self.guidance = guidance
        self.scheduler = scheduler
        self.seed = seed
    }
}

/// Settings of a model-free removal.
public struct RemoveStep: Codable, Sendable, Equatable {
    public var mask: MaskSpec?
    public var method: FillMethod = .auto
    public var seed: UInt64 = 0

    /// Decodes a recipe step; every field is optional.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        mask = try c.decodeIfPresent(MaskSpec.self, forKey: .mask)
        method = try c.decodeChoice(.method, as: FillMethod.self) ?? method
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? seed
    }

    /// Creates a step.
    public init(mask: MaskSpec? = nil, method: FillMethod = .auto, seed: UInt64 = 0) {
        self.mask = mask
        self.method = method
        self.seed = seed
    }
}

// MARK: The DSL's step constructors (they read like the edit).

/// Sets the mask for the following steps (`UseMask`, since `Mask` is the image type).
public func UseMask(_ spec: MaskSpec) -> EditStep { .mask(spec) }
/// Inpaints (the given mask, or the current one).
public func Inpaint(mask: MaskSpec? = nil, prompt: String, strength: Double = 1, steps: Int = 30, seed: UInt64? = nil) -> EditStep {
    .inpaint(InpaintStep(mask: mask, prompt: prompt, strength: strength, steps: steps, seed: seed))
}
/// img2img toward a prompt.
public func Img2Img(prompt: String, strength: Double = 0.8, steps: Int = 30, seed: UInt64? = nil) -> EditStep {
    .img2img(Img2ImgStep(prompt: prompt, strength: strength, steps: steps, seed: seed))
}
/// Removes what the mask covers, with no model.
public func Remove(mask: MaskSpec? = nil, method: FillMethod = .auto, seed: UInt64 = 0) -> EditStep {
    .remove(RemoveStep(mask: mask, method: method, seed: seed))
}
/// Resizes.
public func Resize(width: Int, height: Int) -> EditStep { .resize(width: width, height: height) }
/// Crops.
public func Crop(x: Int, y: Int, width: Int, height: Int) -> EditStep { .crop(x: x, y: y, width: width, height: height) }
/// Writes the current image.
public func Save(_ path: String) -> EditStep { .save(path: path) }

/// Collects steps written in `Edit { … }`, with `if`, `if/else`, `for` and empty blocks.
@resultBuilder
public enum EditBuilder {
    public static func buildExpression(_ step: EditStep) -> [EditStep] { [step] }
    public static func buildExpression(_ steps: [EditStep]) -> [EditStep] { steps }
    public static func buildBlock(_ parts: [EditStep]...) -> [EditStep] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [EditStep]?) -> [EditStep] { part ?? [] }
    public static func buildEither(first part: [EditStep]) -> [EditStep] { part }
    public static func buildEither(second part: [EditStep]) -> [EditStep] { part }
    public static func buildArray(_ parts: [[EditStep]]) -> [EditStep] { parts.flatMap { $0 } }
    public static func buildLimitedAvailability(_ part: [EditStep]) -> [EditStep] { part }
}

/// A composed edit: steps that run in order on a photo.
public struct Edit: Sendable, Equatable, Codable {
    /// The steps.
    public var steps: [EditStep]

    /// Builds an edit from steps.
    public init(steps: [EditStep]) { self.steps = steps }

    /// Builds an edit with the DSL.
    public init(@EditBuilder _ build: () -> [EditStep]) { steps = build() }
}
