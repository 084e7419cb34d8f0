import Foundation
import Testing
import RetouchImaging

/// Mask operations against hand-computed pixels, and the composite's promise: unmasked pixels stay identical.
struct MaskOperationTests {
    /// A 7×7 mask with only the centre pixel set.
    static let dot: Mask = {
        var mask = Mask(width: 7, height: 7)
        mask[3, 3] = 1
        return mask
    }()

    @Test("growing by 2 makes a Euclidean disk of radius 2")
    func grow() {
        let grown = Self.dot.grown(by: 2)
        for y in 0..<7 {
            for x in 0..<7 {
                let inside = (x - 3) * (x - 3) + (y - 3) * (y - 3) <= 4
                #expect(grown[x, y] == (inside ? 1 : 0), "pixel (\(x), \(y))")
            }
        }
        #expect(grown.values.filter { $0 == 1 }.count == 13)
    }

    @Test("shrinking undoes growing a large square's interior")
    func shrink() {
        var square = Mask(width: 9, height: 9)
        for y in 2..<7 { for x in 2..<7 { square[x, y] = 1 } }
        let shrunk = square.shrunk(by: 1)
        #expect(shrunk.boundingBox() == PixelRect(x: 3, y: 3, width: 3, height: 3))
        #expect(shrunk.values.filter { $0 == 1 }.count == 9)
    }

    @Test("binarize, invert and bounding box")
    func simple() {
        let mask = Mask(width: 3, height: 1, values: [0.2, 0.5, 0.9])
        #expect(mask.binarized().values == [0, 1, 1])
        #expect(mask.inverted().values.map { ($0 * 10).rounded() / 10 } == [0.8, 0.5, 0.1])
        #expect(mask.boundingBox() == PixelRect(x: 1, y: 0, width: 2, height: 1))
        #expect(Mask(width: 4, height: 4).boundingBox() == nil)
        #expect(Mask(width: 4, height: 4).isEmpty())
    }

    @Test("blur spreads the dot with OpenCV's kernel and keeps its total")
    func blur() {
        let blurred = Self.dot.blurred(sigma: 1)
        // sigma 1: taps = 2·⌊2.5 + 0.5⌋ + 1 = 7, weights exp(−d²/2) normalised.
        let weights = (-3...3).map { Float(exp(-Double($0 * $0) / 2)) }
        let total = weights.reduce(0, +)
        #expect(abs(blurred[3, 3] - (weights[3] / total) * (weights[3] / total)) < 1e-6)
        #expect(abs(blurred[5, 3] - (weights[5] / total) * (weights[3] / total)) < 1e-6)
        #expect(abs(blurred.values.reduce(0, +) - 1) < 1e-5)
        #expect(Self.dot.blurred(sigma: 0) == Self.dot)
    }

    @Test("composite leaves pixels outside the mask byte-identical and blends inside")
    func composite() {
        let original = Image(width: 2, height: 2, channels: 3, pixels: (0..<12).map { Float($0) / 11 })
        let repainted = Image(width: 2, height: 2, channels: 3, fill: 0.5)
        let mask = Mask(width: 2, height: 2, values: [0, 1, 0.25, 0])
        let result = repainted.composited(over: original, mask: mask)
        #expect(Array(result.pixels[0..<3]) == Array(original.pixels[0..<3]))
        #expect(Array(result.pixels[9..<12]) == Array(original.pixels[9..<12]))
        #expect(Array(result.pixels[3..<6]) == [0.5, 0.5, 0.5])
        #expect(abs(result.pixels[6] - (original.pixels[6] * 0.75 + 0.125)) < 1e-7)
    }
}
