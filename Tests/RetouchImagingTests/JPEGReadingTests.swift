import Foundation
import Testing
import RetouchImaging
import RetouchTestSupport

/// Reading JPEG: baseline, progressive, grayscale and CMYK (Adobe-inverted, from two writers) decode to
/// what Pillow's libjpeg-turbo produces, within a rounding step or two.
struct JPEGReadingTests {
    @Test("each JPEG kind decodes close to the Pillow reference", arguments: [
        ("jpeg/baseline.jpg", 3, Float(2)), ("jpeg/progressive.jpg", 3, 2), ("jpeg/gray.jpg", 1, 2),
        ("jpeg/cmyk-adobe.jpg", 3, 3), ("jpeg/cmyk-imagemagick.jpg", 3, 3),
    ])
    func decodes(name: String, channels: Int, tolerance: Float) throws {
        let image = try ImageIO.read(Reference.url(name))
        let expected = try Reference.samples(for: name)
        #expect(image.width == 40 && image.height == 30)
        #expect(image.channels == channels)
        #expect(image.bitDepth == 8)
        #expect(expected.shape == [30, 40, channels])
        let difference = Reference.maxDifference8(image, expected)
        #expect(difference <= tolerance, "max difference \(difference) of 255")
    }

    @Test("CMYK comes out as the photo, not its negative")
    func cmykIsNotInverted() throws {
        let cmyk = try ImageIO.read(Reference.url("jpeg/cmyk-adobe.jpg"))
        let original = try ImageIO.read(Reference.url("png/rgb8.png"))
        let meanError = zip(cmyk.pixels, original.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(cmyk.pixels.count)
        #expect(meanError < 0.05, "mean error \(meanError)")
    }
}
