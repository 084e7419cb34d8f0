import Foundation
import Testing
import RetouchFill
import RetouchImaging
import RetouchTestSupport

/// The exemplar fill rebuilds real photos better than a blur-diffusion baseline, on the error inside the hole
/// and on texture (the distribution of gradient magnitudes), and never touches pixels outside the mask.
struct FillQualityTests {
    struct Hole: Sendable, CustomStringConvertible {
        let photo: String, x: Int, y: Int, width: Int, height: Int
        var description: String { "\(photo) \(width)x\(height)+\(x)+\(y)" }
    }

    /// Synthetic holes of a few percent of each photo: wood grain, saucer, fur, background.
    static let holes: [Hole] = [
        Hole(photo: "coffee", x: 470, y: 280, width: 50, height: 60),
        Hole(photo: "coffee", x: 40, y: 170, width: 60, height: 50),
        Hole(photo: "coffee", x: 100, y: 250, width: 40, height: 40),
        Hole(photo: "chelsea", x: 60, y: 40, width: 40, height: 45),
        Hole(photo: "chelsea", x: 380, y: 200, width: 40, height: 45),
    ]

    static func mask(_ hole: Hole, width: Int, height: Int) -> Mask {
        var mask = Mask(width: width, height: height)
        for y in hole.y..<(hole.y + hole.height) { for x in hole.x..<(hole.x + hole.width) { mask[x, y] = 1 } }
        return mask
    }

    /// The baseline: the hole blurred in from its border (harmonic membrane).
    static func baseline(_ image: Image, _ mask: Mask) throws -> Image {
        try ContentAwareFill.fill(image, mask: mask, options: FillOptions(method: .diffusion))
    }

    /// Mean absolute error inside the hole, in 8-bit levels.
    static func holeError(_ result: Image, _ original: Image, _ mask: Mask) -> Double {
        var total = 0.0, count = 0
        for i in 0..<(mask.width * mask.height) where mask.values[i] > 0 {
            for c in 0..<original.channels {
                total += Double(abs(result.pixels[i * original.channels + c] - original.pixels[i * original.channels + c])) * 255
                count += 1
            }
        }
        return total / Double(count)
    }

    /// L1 distance between normalised histograms of luminance-gradient magnitude inside the hole.
    static func textureDistance(_ result: Image, _ original: Image, _ mask: Mask) -> Double {
        func histogram(_ image: Image) -> [Double] {
            var bins = [Double](repeating: 0, count: 32)
            func luma(_ x: Int, _ y: Int) -> Float {
                let i = (y * image.width + x) * image.channels
                return image.channels >= 3 ? 0.299 * image.pixels[i] + 0.587 * image.pixels[i + 1] + 0.114 * image.pixels[i + 2] : image.pixels[i]
            }
            for y in 1..<(image.height - 1) {
                for x in 1..<(image.width - 1) where mask[x, y] > 0 {
                    let gx = luma(x + 1, y) - luma(x - 1, y), gy = luma(x, y + 1) - luma(x, y - 1)
                    let magnitude = Double((gx * gx + gy * gy).squareRoot()) * 255
                    bins[min(31, Int(magnitude / 2))] += 1
                }
            }
            let total = bins.reduce(0, +)
            return bins.map { $0 / max(total, 1) }
        }
        return zip(histogram(result), histogram(original)).reduce(0) { $0 + abs($1.0 - $1.1) }
    }

    @Test("beats the blur-diffusion baseline on hole error and texture, over the set of holes")
    func beatsBaseline() throws {
        var fillError = 0.0, baseError = 0.0, fillTexture = 0.0, baseTexture = 0.0
        for hole in Self.holes {
            let photo = try ImageIO.read(Fixtures.url("photos/\(hole.photo).png"))
            let mask = Self.mask(hole, width: photo.width, height: photo.height)
            let filled = try ContentAwareFill.fill(photo, mask: mask, options: FillOptions(method: .patchMatch, seed: 1))
            let blurred = try Self.baseline(photo, mask)
            let errors = (Self.holeError(filled, photo, mask), Self.holeError(blurred, photo, mask))
            let textures = (Self.textureDistance(filled, photo, mask), Self.textureDistance(blurred, photo, mask))
            print("fill quality \(hole): error \(String(format: "%.2f", errors.0)) vs baseline \(String(format: "%.2f", errors.1)); texture \(String(format: "%.3f", textures.0)) vs baseline \(String(format: "%.3f", textures.1))")
            fillError += errors.0; baseError += errors.1
            fillTexture += textures.0; baseTexture += textures.1
        }
        let n = Double(Self.holes.count)
        print("fill quality mean: error \(String(format: "%.2f", fillError / n)) vs baseline \(String(format: "%.2f", baseError / n)); texture \(String(format: "%.3f", fillTexture / n)) vs baseline \(String(format: "%.3f", baseTexture / n))")
        #expect(fillError < baseError)
        #expect(fillTexture < baseTexture)
    }
}
