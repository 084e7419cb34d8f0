import Foundation
import RetouchImaging
import RetouchTestSupport

/// Shared checks for the imaging tests.
enum Reference {
    /// A good fixture under `fixtures/images/`.
    static func url(_ name: String) -> URL { Fixtures.url("images/\(name)") }

    /// The expected samples stored beside a fixture (`X.npy` for `X.png`), as integers.
    static func samples(for name: String) throws -> NumpyArray {
        let base = (name as NSString).deletingPathExtension
        return try NumpyArray(fixture: "images/\(base).npy")
    }

    /// The image's samples as integers at `bitDepth`, as a decoder produced them.
    static func integers(_ image: Image, bitDepth: Int) -> [Float] {
        let scale: Float = bitDepth == 16 ? 65535 : 255
        return image.pixels.map { ($0 * scale).rounded() }
    }

    /// The largest difference between the image (scaled to 0...255) and 8-bit reference samples.
    static func maxDifference8(_ image: Image, _ expected: NumpyArray) -> Float {
        zip(integers(image, bitDepth: 8), expected.values).map { abs($0 - $1) }.max() ?? .infinity
    }
}
