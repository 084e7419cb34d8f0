import Foundation

/// Which part of an image a mask is taken from.
public enum MaskSource: String, Sendable, CaseIterable {
    /// Rec. 601 luma of the colour channels (alpha ignored): white repaints, black keeps.
    case luminance
    /// The alpha channel: opaque repaints, transparent keeps.
    case alpha
}

extension Mask {
    /// A mask from an image's luminance or alpha; 1 (white or opaque) means "repaint". With `.alpha`, an
    /// image without an alpha channel counts as fully opaque (all 1); `Mask.read` refuses that case instead.
    public init(image: Image, source: MaskSource = .luminance) {
        let count = image.width * image.height
        var values = [Float](repeating: 1, count: count)
        let c = image.channels
        let weights = Image.lumaWeights
        image.pixels.withUnsafeBufferPointer { p in
            switch source {
            case .luminance where c >= 3:
                for i in 0..<count {
                    values[i] = min(max(weights.r * p[i * c] + weights.g * p[i * c + 1] + weights.b * p[i * c + 2], 0), 1)
                }
            case .luminance:
                for i in 0..<count { values[i] = p[i * c] }
            case .alpha where image.hasAlpha:
                for i in 0..<count { values[i] = p[i * c + c - 1] }
            case .alpha:
                break
            }
        }
        self.init(width: image.width, height: image.height, values: values)
    }

    /// Reads a mask file (any format `ImageIO` reads); with `.alpha` the image must have an alpha channel.
    public static func read(_ url: URL, source: MaskSource = .luminance, limits: ImageLimits = .default) throws -> Mask {
        let image = try ImageIO.read(url, limits: limits)
        if source == .alpha && !image.hasAlpha {
            throw ImageError(file: url.relativePath, problem: "the mask image has no alpha channel "
                             + "(use a luminance mask, or save the mask with transparency)")
        }
        return Mask(image: image, source: source)
    }

    /// The mask as a 1-channel 8-bit gray image, ready for `ImageIO.write`.
    public func image() -> Image {
        Image(width: width, height: height, channels: 1, pixels: values.map { min(max($0, 0), 1) }, bitDepth: 8)
    }
}
