import Foundation
import RetouchChecks

/// Colour correction after a repaint (AUTOMATIC1111's `img2img_color_correction`, restricted to the repainted
/// area): the repainted pixels' mean and spread in each CIELAB channel are moved to those of reference pixels,
/// which stops the colour drift VAE round trips cause. Spreads are matched within a factor of two either way, so
/// new content keeps its own texture.
extension Image {
    /// The image with the statistics of the pixels `region` marks (≥ 0.5) matched to those of `reference`'s pixels
    /// that `referenceRegion` marks; each pixel moves by `region`'s value (soft edges blend). Returns `self` when
    /// either region is empty.
    public func colorCorrected(region: Mask, toMatch reference: Image, referenceRegion: Mask) -> Image {
        require(region.width == width && region.height == height, "colour-correction region \(region.width)x\(region.height) for \(width)x\(height)")
        let lab = LabPlanes(self)
        let referenceLab = LabPlanes(reference)
        guard let source = lab.statistics(where: region), let target = referenceLab.statistics(where: referenceRegion) else { return self }
        var output = self.converted(toChannels: 3)
        for index in 0..<(width * height) {
            let weight = region.values[index]
            guard weight > 0 else { continue }
            var value = lab.pixel(index)
            for c in 0..<3 {
                let ratio = source.deviation[c] > 1e-6 ? min(max(target.deviation[c] / source.deviation[c], 0.5), 2) : 1
                let corrected = (value[c] - source.mean[c]) * ratio + target.mean[c]
                value[c] += (corrected - value[c]) * Double(weight)
            }
            let rgb = ColorSpace.rgb(fromLab: value)
            for c in 0..<3 { output.pixels[index * 3 + c] = Float(min(max(rgb[c], 0), 1)) }
        }
        if channels == 4 || channels == 2 { output = output.withAlpha(from: self) }
        return output
    }
}

/// An image as CIELAB planes.
struct LabPlanes {
    let values: [Double]   // interleaved L, a, b

    init(_ image: Image) {
        let rgb = image.converted(toChannels: 3)
        var values = [Double](repeating: 0, count: rgb.width * rgb.height * 3)
        for index in 0..<(rgb.width * rgb.height) {
            let lab = ColorSpace.lab(fromRGB: [Double(rgb.pixels[index * 3]), Double(rgb.pixels[index * 3 + 1]), Double(rgb.pixels[index * 3 + 2])])
            values[index * 3] = lab[0]; values[index * 3 + 1] = lab[1]; values[index * 3 + 2] = lab[2]
        }
        self.values = values
    }

    func pixel(_ index: Int) -> [Double] { [values[index * 3], values[index * 3 + 1], values[index * 3 + 2]] }

    /// Per-channel mean and standard deviation where `mask` ≥ 0.5, or nil when it marks nothing.
    func statistics(where mask: Mask) -> (mean: [Double], deviation: [Double])? {
        var sum = [0.0, 0.0, 0.0], squares = [0.0, 0.0, 0.0], count = 0.0
        for index in 0..<mask.values.count where mask.values[index] >= 0.5 {
            for c in 0..<3 {
                let v = values[index * 3 + c]
                sum[c] += v
                squares[c] += v * v
            }
            count += 1
        }
        guard count > 0 else { return nil }
        let mean = sum.map { $0 / count }
        let deviation = (0..<3).map { (squares[$0] / count - mean[$0] * mean[$0]).squareRoot() }
        return (mean, deviation.map { $0.isNaN ? 0 : $0 })
    }
}

/// sRGB (D65) ↔ CIELAB, for colour statistics in a perceptual space.
public enum ColorSpace {
    static let white = (x: 0.95047, y: 1.0, z: 1.08883)

    /// CIELAB (L 0…100) of an sRGB triple in 0…1.
    public static func lab(fromRGB rgb: [Double]) -> [Double] {
        let linear = rgb.map { $0 <= 0.04045 ? $0 / 12.92 : pow(($0 + 0.055) / 1.055, 2.4) }
        let x = (0.4124564 * linear[0] + 0.3575761 * linear[1] + 0.1804375 * linear[2]) / white.x
        let y = (0.2126729 * linear[0] + 0.7151522 * linear[1] + 0.0721750 * linear[2]) / white.y
        let z = (0.0193339 * linear[0] + 0.1191920 * linear[1] + 0.9503041 * linear[2]) / white.z
        func f(_ t: Double) -> Double { t > 216.0 / 24389.0 ? cbrt(t) : (24389.0 / 27.0 * t + 16) / 116 }
        let (fx, fy, fz) = (f(x), f(y), f(z))
        return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)]
    }

    /// sRGB (0…1, unclamped above) of a CIELAB triple.
    public static func rgb(fromLab lab: [Double]) -> [Double] {
        let fy = (lab[0] + 16) / 116, fx = fy + lab[1] / 500, fz = fy - lab[2] / 200
        func inverse(_ t: Double) -> Double { t * t * t > 216.0 / 24389.0 ? t * t * t : (116 * t - 16) * 27.0 / 24389.0 }
        let x = inverse(fx) * white.x, y = inverse(fy) * white.y, z = inverse(fz) * white.z
        let linear = [3.2404542 * x - 1.5371385 * y - 0.4985314 * z,
                      -0.9692660 * x + 1.8760108 * y + 0.0415560 * z,
                      0.0556434 * x - 0.2040259 * y + 1.0572252 * z]
        return linear.map { v in
            let c = max(v, 0)
            return c <= 0.0031308 ? 12.92 * c : 1.055 * pow(c, 1 / 2.4) - 0.055
        }
    }
}

extension Image {
    /// This RGB image with the alpha channel of `other` appended.
    func withAlpha(from other: Image) -> Image {
        let alpha = other.channels == 4 ? 3 : 1
        var pixels = [Float]()
        pixels.reserveCapacity(width * height * 4)
        for index in 0..<(width * height) {
            pixels.append(contentsOf: self.pixels[(index * 3)..<(index * 3 + 3)])
            pixels.append(other.pixels[index * other.channels + alpha])
        }
        return Image(width: width, height: height, channels: 4, pixels: pixels, bitDepth: bitDepth, text: text)
    }
}
