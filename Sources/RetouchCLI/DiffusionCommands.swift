import ArgumentParser
import Foundation
import Retouch
import RetouchImaging

/// `retouch generate`: text to image.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Paint an image from a prompt.")

    @OptionGroup var options: DiffusionOptions
    @Option(parsing: .unconditional, help: "Width in pixels (a multiple of 8; default: the model's native size).") var width: Int?
    @Option(parsing: .unconditional, help: "Height in pixels (a multiple of 8; default: the model's native size).") var height: Int?

    func validate() throws { try ImageSizeFlags.validate(width: width, height: height) }

    func run() throws {
        try DiffusionRun.execute(options: options, inputs: []) { pipelines, settings, progress in
            let side = pipelines.model.unetConfig.sampleSize * pipelines.model.vaeScaleFactor
            let size = try ImageSizeFlags.resolve(width: width, height: height, native: side)
            return (try pipelines.generate(settings, width: size.width, height: size.height, progress: progress), [])
        }
    }
}

/// `retouch img2img`: restyle a photo toward a prompt.
struct Img2ImgCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "img2img", abstract: "Repaint a photo toward a prompt (variations, restyling).")

    @Argument(help: "The photo.") var image: String
    @OptionGroup var options: DiffusionOptions
    @Option(parsing: .unconditional, help: "How much to change, 0 to 1.") var strength = 0.8
    @Flag(help: "Match the result's colours to the photo's (AUTOMATIC1111's colour correction).") var colorCorrection = false

    func validate() throws {
        try FlagRules.check { try ParameterRules.check(strength, "--strength", in: ParameterRules.strength) }
    }

    func run() throws {
        try DiffusionRun.execute(options: options, inputs: [image]) { pipelines, settings, progress in
            let photo = try ImageIO.read(URL(fileURLWithPath: image))
            var result = try pipelines.img2img(photo: photo, settings: settings, strength: strength, progress: progress)
            if colorCorrection {
                let all = Mask(width: photo.width, height: photo.height, fill: 1)
                result.image = result.image.colorCorrected(region: all, toMatch: photo, referenceRegion: all)
            }
            return (result, [("Denoising strength", "\(strength)")] + (colorCorrection ? [("Color correction", "on")] : []))
        }
    }
}

/// `retouch inpaint`: repaint what a mask covers.
struct InpaintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inpaint", abstract: "Repaint the masked part of a photo (white = repaint).")

    @Argument(help: "The photo.") var image: String
    @Option(help: "The mask: white where to repaint.") var mask: String
    @OptionGroup var options: DiffusionOptions
    @Option(parsing: .unconditional, help: "Denoising strength, 0 to 1.") var strength = 1.0
    @Option(parsing: .unconditional, help: "Feather of the composite in pixels, 0 to 1000.") var maskBlur = 4.0
    @Option(help: "whole (the whole photo) or masked (only a crop around the mask, at the model's size).") var inpaintArea = "whole"
    @Option(parsing: .unconditional, help: "Context around the mask with --inpaint-area masked, in pixels.") var padding = 32
    @Option(help: "Masked area before noising (strength < 1): original, fill, latent-noise, latent-nothing.") var maskedContent = "original"
    @Flag(help: "Take the mask from the mask image's alpha channel.") var maskAlpha = false
    @Flag(help: "Match the repainted area's colours to the pixels around it.") var colorCorrection = false

    func validate() throws {
        try FlagRules.check {
            try ParameterRules.check(strength, "--strength", in: ParameterRules.strength)
            try ParameterRules.check(maskBlur, "--mask-blur", in: ParameterRules.blur)
            try ParameterRules.check(padding, "--padding", in: ParameterRules.pixels)
            _ = try ParameterRules.choice(inpaintArea, "--inpaint-area", as: InpaintArea.self)
            _ = try ParameterRules.choice(maskedContent, "--masked-content", as: MaskedContent.self)
        }
    }

    func run() throws {
        try DiffusionRun.execute(options: options, inputs: [image, mask]) { pipelines, settings, progress in
            let photo = try ImageIO.read(URL(fileURLWithPath: image))
            let region = try Mask.read(URL(fileURLWithPath: mask), source: maskAlpha ? .alpha : .luminance)
            guard !region.isEmpty() else {
                throw ImageError(file: mask, problem: "the mask is empty (no pixel is at least 50 % white): nothing to inpaint")
            }
            var inpaintOptions = InpaintOptions()
            inpaintOptions.strength = strength
            inpaintOptions.maskBlur = maskBlur
            inpaintOptions.area = InpaintArea(rawValue: inpaintArea) ?? .whole
            inpaintOptions.padding = padding
            inpaintOptions.maskedContent = MaskedContent(rawValue: maskedContent) ?? .original
            inpaintOptions.colorCorrection = colorCorrection
            let result = try pipelines.inpaint(photo: photo, mask: region, settings: settings, options: inpaintOptions, progress: progress)
            return (result, [("Denoising strength", "\(strength)"), ("Mask blur", "\(maskBlur)"),
                             ("Inpaint area", inpaintArea), ("Masked content", maskedContent)])
        }
    }
}

/// `--width`/`--height` of the commands that paint from nothing: positive, and within the pixel budget.
enum ImageSizeFlags {
    /// Usage errors for sizes that are not positive or over the pixel budget.
    static func validate(width: Int?, height: Int?) throws {
        try FlagRules.check {
            if let width { try ParameterRules.check(width, "--width", in: 8...ParameterRules.pixels.upperBound) }
            if let height { try ParameterRules.check(height, "--height", in: 8...ParameterRules.pixels.upperBound) }
            if let width, let height { try ImageLimits.default.checkAllocation(width: width, height: height, what: "--width x --height") }
        }
    }

    /// The size to paint at, `native` filling in a missing side; an error when over the pixel budget.
    static func resolve(width: Int?, height: Int?, native: Int) throws -> (width: Int, height: Int) {
        let size = (width: width ?? native, height: height ?? native)
        try ImageLimits.default.checkAllocation(width: size.width, height: size.height, what: "--width x --height")
        return size
    }
}
