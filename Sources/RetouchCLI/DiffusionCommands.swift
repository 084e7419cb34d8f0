import ArgumentParser
import Foundation
import Retouch
import RetouchImaging

/// `retouch generate`: text to image.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Paint an image from a prompt.")

    @OptionGroup var options: DiffusionOptions
    @Option(help: "Width in pixels (a multiple of 8; default: the model's native size).") var width: Int?
    @Option(help: "Height in pixels (a multiple of 8; default: the model's native size).") var height: Int?

    func run() throws {
        try DiffusionRun.execute(options: options, inputs: []) { pipelines, settings, progress in
            let side = pipelines.model.unetConfig.sampleSize * pipelines.model.vaeScaleFactor
            return (try pipelines.generate(settings, width: width ?? side, height: height ?? side, progress: progress), [])
        }
    }
}

/// `retouch img2img`: restyle a photo toward a prompt.
struct Img2ImgCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "img2img", abstract: "Repaint a photo toward a prompt (variations, restyling).")

    @Argument(help: "The photo.") var image: String
    @OptionGroup var options: DiffusionOptions
    @Option(help: "How much to change, 0 to 1.") var strength = 0.8
    @Flag(help: "Match the result's colours to the photo's (AUTOMATIC1111's colour correction).") var colorCorrection = false

    func validate() throws {
        guard (0...1).contains(strength) else { throw ValidationError("--strength must be between 0 and 1; got \(strength)") }
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
    @Option(help: "Denoising strength, 0 to 1.") var strength = 1.0
    @Option(help: "Feather of the composite in pixels.") var maskBlur = 4.0
    @Option(help: "whole (the whole photo) or masked (only a crop around the mask, at the model's size).") var inpaintArea = "whole"
    @Option(help: "Context around the mask with --inpaint-area masked, in pixels.") var padding = 32
    @Option(help: "Masked area before noising (strength < 1): original, fill, latent-noise, latent-nothing.") var maskedContent = "original"
    @Flag(help: "Take the mask from the mask image's alpha channel.") var maskAlpha = false
    @Flag(help: "Match the repainted area's colours to the pixels around it.") var colorCorrection = false

    func validate() throws {
        guard (0...1).contains(strength) else { throw ValidationError("--strength must be between 0 and 1; got \(strength)") }
        guard maskBlur >= 0 else { throw ValidationError("--mask-blur must not be negative; got \(maskBlur)") }
        guard padding >= 0 else { throw ValidationError("--padding must not be negative; got \(padding)") }
        guard InpaintArea(rawValue: inpaintArea) != nil else { throw ValidationError("--inpaint-area must be whole or masked; got '\(inpaintArea)'") }
        guard MaskedContent(rawValue: maskedContent) != nil else {
            throw ValidationError("--masked-content must be one of \(MaskedContent.allCases.map(\.rawValue).joined(separator: ", ")); got '\(maskedContent)'")
        }
    }

    func run() throws {
        try DiffusionRun.execute(options: options, inputs: [image, mask]) { pipelines, settings, progress in
            let photo = try ImageIO.read(URL(fileURLWithPath: image))
            let region = try Mask.read(URL(fileURLWithPath: mask), source: maskAlpha ? .alpha : .luminance)
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
