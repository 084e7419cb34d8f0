import Foundation
import Testing
import RetouchImaging
import RetouchTestSupport

/// Masks: white (or opaque) = 1 = repaint, from an image's luminance (alpha ignored) or its alpha channel,
/// and back to an 8-bit gray image for writing.
struct MaskTests {
    static let rgba = Image(width: 3, height: 1, channels: 4,
                            pixels: [1, 1, 1, 0,   0, 0, 0, 1,   1, 0, 0, 0.5])

    @Test("luminance uses Rec. 601 weights and ignores alpha")
    func luminance() {
        let mask = Mask(image: Self.rgba)
        #expect(zip(mask.values, [1, 0, 0.299] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 }, "\(mask.values)")
    }

    @Test("alpha takes the alpha channel")
    func alpha() {
        #expect(Mask(image: Self.rgba, source: .alpha).values == [0, 1, 0.5])
    }

    @Test("gray and gray+alpha images", arguments: [(MaskSource.luminance, [0.2, 0.9] as [Float]), (.alpha, [0.4, 0.1])])
    func grayAlpha(source: MaskSource, expected: [Float]) {
        let image = Image(width: 2, height: 1, channels: 2, pixels: [0.2, 0.4, 0.9, 0.1])
        #expect(Mask(image: image, source: source).values == expected)
    }

    @Test("reading a mask file by luminance and by alpha")
    func readFile() throws {
        let luminance = try Mask.read(Reference.url("png/gray8.png"))
        let gray = try ImageIO.read(Reference.url("png/gray8.png"))
        #expect(luminance.values == gray.pixels)
        let alpha = try Mask.read(Reference.url("png/rgba8.png"), source: .alpha)
        let rgba = try ImageIO.read(Reference.url("png/rgba8.png"))
        #expect(alpha.values == stride(from: 3, to: rgba.pixels.count, by: 4).map { rgba.pixels[$0] })
    }

    @Test("asking for alpha from an image without it is an error naming the file")
    func alphaMissing() throws {
        let url = Reference.url("png/rgb8.png")
        do {
            _ = try Mask.read(url, source: .alpha)
            Issue.record("should fail")
        } catch let error as ImageError {
            #expect(error.file == url.path)
            #expect(error.problem.contains("no alpha channel"))
        }
    }

    @Test("a mask written as an image reads back the same")
    func roundTrip() throws {
        let mask = Mask(width: 3, height: 2, values: [0, 1, 0.5, 0.25, 1, 0].map { ($0 * 255).rounded() / 255 })
        let image = mask.image()
        #expect(image.channels == 1 && image.bitDepth == 8)
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("mask.png")
        try ImageIO.write(image, to: url)
        #expect(try Mask.read(url) == mask)
    }
}
