import Foundation
import RetouchFill
import RetouchImaging

/// What fills the masked area before noising when inpainting at strength below 1 (AUTOMATIC1111's
/// "masked content").
public enum MaskedContent: String, Sendable, CaseIterable {
    /// The photo as it is.
    case original
    /// Retouch's model-free fill (`ContentAwareFill`) of the masked area.
    case fill
    /// Fresh random latent noise under the mask.
    case latentNoise = "latent-noise"
    /// Zero latents under the mask.
    case latentNothing = "latent-nothing"
}

/// Where inpainting runs.
public enum InpaintArea: String, Sendable, CaseIterable, Codable {
    /// The whole photo, at a size rounded down to the VAE factor.
    case whole
    /// Only a crop around the mask (plus padding, grown to the working aspect ratio), run at the model's native
    /// size and pasted back: a small edit on a large photo costs one native-size run.
    case masked
}

/// Inpainting options beyond the diffusion settings.
public struct InpaintOptions: Sendable {
    /// Denoising strength (1 repaints from pure noise).
    public var strength: Double = 1
    /// Gaussian feather of the composite, in pixels (AUTOMATIC1111's default 4).
    public var maskBlur: Double = 4
    /// Whole photo or only the masked area.
    public var area: InpaintArea = .whole
    /// Context around the mask for `.masked`, in pixels.
    public var padding: Int = 32
    /// What the masked area starts from when strength < 1.
    public var maskedContent: MaskedContent = .original
    /// The working size for `.masked` (nil: the model's native size).
    public var workingSize: (width: Int, height: Int)?
    /// Match the repainted area's colour statistics to the original pixels around it (AUTOMATIC1111's colour
    /// correction), against drift from the VAE round trip.
    public var colorCorrection = false

    /// Defaults as AUTOMATIC1111.
    public init() {}
}

/// Photo-level edits: any image size in, the same size out, and for inpainting a composite that leaves every
/// pixel outside the mask and its blur band byte-identical to the input.
extension EditPipelines {
    /// img2img on a photo of any size: run at the size rounded down to the VAE factor, resized back.
    public func img2img(photo: Image, settings: DiffusionSettings, strength: Double, progress: Progress? = nil) throws -> DiffusionResult {
        let (width, height) = modelSize(photo.width, photo.height)
        let input = (width, height) == (photo.width, photo.height) ? photo : photo.resized(width: width, height: height, filter: .lanczos)
        var result = try img2img(input, settings: settings, strength: strength, progress: progress)
        if (width, height) != (photo.width, photo.height) {
            result.image = result.image.resized(width: photo.width, height: photo.height, filter: .lanczos)
        }
        return result
    }

    /// Inpaints a photo of any size and composites the result over it through the (blurred) mask.
    public func inpaint(photo: Image, mask: Mask, settings: DiffusionSettings, options: InpaintOptions,
                        progress: Progress? = nil) throws -> DiffusionResult {
        var mask = mask
        if mask.width != photo.width || mask.height != photo.height {
            mask = mask.resized(width: photo.width, height: photo.height, filter: .bilinear)
        }
        guard let box = mask.boundingBox() else { throw PipelineError("the mask is empty: nothing to inpaint") }
        let region: PixelRect
        let runSize: (width: Int, height: Int)
        switch options.area {
        case .whole:
            region = PixelRect(x: 0, y: 0, width: photo.width, height: photo.height)
            runSize = modelSize(photo.width, photo.height)
        case .masked:
            let native = options.workingSize ?? nativeSize
            region = Self.cropRegion(around: box, padding: options.padding, aspect: Double(native.width) / Double(native.height),
                                     imageWidth: photo.width, imageHeight: photo.height)
            runSize = native
        }
        var source = photo.cropped(to: region)
        let sourceMask = mask.cropped(to: region)
        if options.maskedContent == .fill, options.strength < 1 {
            source = try ContentAwareFill.fill(source, mask: sourceMask)
        }
        let input = source.width == runSize.width && source.height == runSize.height
            ? source : source.resized(width: runSize.width, height: runSize.height, filter: .lanczos)
        let inputMask = sourceMask.width == runSize.width && sourceMask.height == runSize.height
            ? sourceMask : sourceMask.resized(width: runSize.width, height: runSize.height, filter: .bilinear)
        var result = try inpaint(input, mask: inputMask, settings: settings, strength: options.strength,
                                 maskedContent: options.maskedContent, progress: progress)
        var painted = result.image
        if painted.width != region.width || painted.height != region.height {
            painted = painted.resized(width: region.width, height: region.height, filter: .lanczos)
        }
        if options.colorCorrection {
            let repainted = sourceMask.binarized()
            let surroundings = Mask(width: repainted.width, height: repainted.height,
                                    values: zip(repainted.grown(by: max(8, options.padding)).values, repainted.values).map { $0 - $1 })
            painted = painted.colorCorrected(region: repainted, toMatch: photo.cropped(to: region), referenceRegion: surroundings)
        }
        // Paste into a full-size canvas, then composite through the feathered mask.
        var canvas = photo.converted(toChannels: 3)
        canvas.paste(painted, at: region)
        let feathered = options.maskBlur > 0 ? mask.binarized().blurred(sigma: options.maskBlur) : mask.binarized()
        let restricted = feathered.restricted(to: region)
        result.image = canvas.composited(over: photo, mask: restricted)
        result.runWidth = runSize.width
        result.runHeight = runSize.height
        return result
    }

    /// The model's native image size (the UNet's training size × the VAE factor).
    var nativeSize: (width: Int, height: Int) {
        let side = model.unetConfig.sampleSize * model.vaeScaleFactor
        return (side, side)
    }

    /// A size the model accepts: rounded down to the VAE factor, as diffusers' image processor does.
    func modelSize(_ width: Int, _ height: Int) -> (width: Int, height: Int) {
        let factor = model.vaeScaleFactor
        return (max(factor, width - width % factor), max(factor, height - height % factor))
    }

    /// The mask's box plus padding, grown to `aspect` (width / height) and kept inside the image.
    static func cropRegion(around box: PixelRect, padding: Int, aspect: Double, imageWidth: Int, imageHeight: Int) -> PixelRect {
        var width = Double(box.width + 2 * padding), height = Double(box.height + 2 * padding)
        if width / height < aspect { width = height * aspect } else { height = width / aspect }
        width = min(width, Double(imageWidth))
        height = min(height, Double(imageHeight))
        let centerX = Double(box.x) + Double(box.width) / 2, centerY = Double(box.y) + Double(box.height) / 2
        let w = Int(width.rounded()), h = Int(height.rounded())
        let x = min(max(Int((centerX - width / 2).rounded()), 0), imageWidth - w)
        let y = min(max(Int((centerY - height / 2).rounded()), 0), imageHeight - h)
        return PixelRect(x: x, y: y, width: w, height: h)
    }
}

extension Image {
    /// The pixels inside `region`.
    public func cropped(to region: PixelRect) -> Image {
        var pixels = [Float]()
        pixels.reserveCapacity(region.width * region.height * channels)
        for y in region.y..<region.maxY {
            let start = (y * width + region.x) * channels
            pixels.append(contentsOf: self.pixels[start..<(start + region.width * channels)])
        }
        return Image(width: region.width, height: region.height, channels: channels, pixels: pixels, bitDepth: bitDepth, text: text)
    }

    /// Copies `image` (same channel count) into `region`.
    mutating func paste(_ image: Image, at region: PixelRect) {
        let source = image.converted(toChannels: channels)
        for y in 0..<region.height {
            let target = ((region.y + y) * width + region.x) * channels
            let from = y * source.width * channels
            pixels.replaceSubrange(target..<(target + region.width * channels), with: source.pixels[from..<(from + region.width * channels)])
        }
    }
}

extension Mask {
    /// The values inside `region`.
    public func cropped(to region: PixelRect) -> Mask {
        var values = [Float]()
        values.reserveCapacity(region.width * region.height)
        for y in region.y..<region.maxY { values.append(contentsOf: self.values[(y * width + region.x)..<(y * width + region.maxX)]) }
        return Mask(width: region.width, height: region.height, values: values)
    }

    /// Zero outside `region` (so a blur band never reaches pixels the run did not repaint).
    func restricted(to region: PixelRect) -> Mask {
        var copy = self
        for y in 0..<height {
            for x in 0..<width where x < region.x || x >= region.maxX || y < region.y || y >= region.maxY { copy[x, y] = 0 }
        }
        return copy
    }
}
