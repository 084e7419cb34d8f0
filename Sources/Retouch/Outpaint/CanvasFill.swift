import Foundation
import RetouchFill
import RetouchImaging

/// What the new area of an outpaint canvas starts from. It shapes the result when the strength is below 1 (and for
/// `latentNoise`, the latent itself); at strength 1 the model paints from pure noise and only the kept pixels matter.
public enum CanvasFill: String, Sendable, CaseIterable {
    /// The original's nearest edge pixel, stretched outward.
    case edge
    /// The original reflected at its edges.
    case mirror
    /// The mirror fill, heavily blurred (colours and light without structure).
    case blur
    /// The blur fill plus Gaussian noise (AUTOMATIC1111's outpainting fill).
    case noise
    /// The edge fill in pixels, and fresh latent noise under the mask (AUTOMATIC1111's "latent noise").
    case latentNoise = "latent-noise"
    /// Retouch's model-free content-aware fill (`retouch remove`'s PatchMatch).
    case content

    /// The canvas: `image` at `original`, the rest filled.
    static func canvas(_ fill: CanvasFill, image: Image, original: PixelRect, width: Int, height: Int, seed: UInt64) throws -> Image {
        let rgb = image.converted(toChannels: 3)
        func source(_ x: Int, _ y: Int) -> Int { (y * rgb.width + x) * 3 }
        func reflect(_ v: Int, _ n: Int) -> Int {
            guard n > 1 else { return 0 }
            let period = 2 * n - 2
            var m = v % period
            if m < 0 { m += period }
            return m < n ? m : period - m
        }
        let mirrored = fill != .edge && fill != .latentNoise
        var canvas = Image(width: width, height: height, channels: 3, fill: 0, bitDepth: image.bitDepth)
        for y in 0..<height {
            for x in 0..<width {
                let sx = mirrored ? reflect(x - original.x, rgb.width) : min(max(x - original.x, 0), rgb.width - 1)
                let sy = mirrored ? reflect(y - original.y, rgb.height) : min(max(y - original.y, 0), rgb.height - 1)
                let from = source(sx, sy), to = (y * width + x) * 3
                canvas.pixels[to] = rgb.pixels[from]; canvas.pixels[to + 1] = rgb.pixels[from + 1]; canvas.pixels[to + 2] = rgb.pixels[from + 2]
            }
        }
        switch fill {
        case .edge, .mirror, .latentNoise:
            return canvas
        case .blur, .noise:
            let extent = max(original.x, original.y, width - original.maxX, height - original.maxY)
            let blurred = Self.wideBlur(canvas, sigma: max(4, Double(extent) / 6))
            var random = SplitMix64(seed: seed)
            for y in 0..<height {
                for x in 0..<width where !(original.x..<original.maxX).contains(x) || !(original.y..<original.maxY).contains(y) {
                    for c in 0..<3 {
                        let i = (y * width + x) * 3 + c
                        canvas.pixels[i] = fill == .noise ? min(max(blurred.pixels[i] + 0.12 * random.nextGaussian(), 0), 1) : blurred.pixels[i]
                    }
                }
            }
            return canvas
        case .content:
            return try ContentAwareFill.fill(canvas, mask: Mask.outside(original, width: width, height: height))
        }
    }
}

extension CanvasFill {
    /// A Gaussian blur of a large `sigma`, computed on a copy shrunk so the blur spans about 4 pixels, then enlarged:
    /// the same smooth result at a fraction of the time and memory of a full-size kernel.
    static func wideBlur(_ image: Image, sigma: Double) -> Image {
        let factor = max(1, Int(sigma / 4))
        guard factor > 1 else { return image.blurred(sigma: sigma) }
        let small = image.resized(width: max(1, image.width / factor), height: max(1, image.height / factor), filter: .area)
        return small.blurred(sigma: sigma / Double(factor)).resized(width: image.width, height: image.height, filter: .bilinear)
    }
}

extension Mask {
    /// 1 outside `rect`, 0 inside.
    static func outside(_ rect: PixelRect, width: Int, height: Int) -> Mask {
        var mask = Mask(width: width, height: height, fill: 1)
        for y in rect.y..<rect.maxY { for x in rect.x..<rect.maxX { mask.values[y * width + x] = 0 } }
        return mask
    }

    /// 1 inside `rect`, 0 outside.
    static func inside(_ rect: PixelRect, width: Int, height: Int) -> Mask {
        var mask = Mask(width: width, height: height, fill: 0)
        for y in rect.y..<rect.maxY { for x in rect.x..<rect.maxX { mask.values[y * width + x] = 1 } }
        return mask
    }
}

/// A small seeded generator for fills (not the torch stream: fills need not match anything).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A standard normal value (Box–Muller).
    mutating func nextGaussian() -> Float {
        let u1 = max(Double(next() >> 11) / Double(1 << 53), 1e-12), u2 = Double(next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }
}

extension EditPipelines {
    /// The pre-filled canvas an outpaint starts from (a preview of `--fill`).
    public static func prefilledCanvas(_ fill: CanvasFill, photo: Image, margins: CanvasExtension, seed: UInt64) throws -> Image {
        let size = margins.canvasSize(width: photo.width, height: photo.height)
        return try CanvasFill.canvas(fill, image: photo, original: margins.originalRect(width: photo.width, height: photo.height),
                                     width: size.width, height: size.height, seed: seed)
    }
}
