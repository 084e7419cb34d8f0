import Foundation
import Testing
import RetouchImaging
import RetouchTestSupport

/// Reading PNG: every colour type and bit depth decodes to the exact samples the fixture script encoded
/// (palette and tRNS expanded to RGB(A), sub-byte gray scaled to 8 bits, Adam7 undone), and text chunks
/// before or after the image data are read.
struct PNGReadingTests {
    @Test("each PNG kind decodes to the right size, channels, depth and samples", arguments: [
        ("png/rgb8.png", 3, 8), ("png/rgba8.png", 4, 8), ("png/gray8.png", 1, 8), ("png/gray-alpha8.png", 2, 8),
        ("png/gray1.png", 1, 8), ("png/gray2.png", 1, 8), ("png/gray4.png", 1, 8),
        ("png/rgb16.png", 3, 16), ("png/rgba16.png", 4, 16), ("png/gray16.png", 1, 16),
        ("png/gray-alpha16.png", 2, 16),
        ("png/palette8.png", 3, 8), ("png/palette4-trns.png", 4, 8),
        ("png/gray8-trns.png", 2, 8), ("png/rgb8-trns.png", 4, 8),
        ("png/interlaced-rgb8.png", 3, 8), ("png/interlaced-gray2.png", 1, 8),
        ("png/interlaced-rgba16.png", 4, 16),
    ])
    func decodes(name: String, channels: Int, bitDepth: Int) throws {
        let image = try ImageIO.read(Reference.url(name))
        let expected = try Reference.samples(for: name)
        #expect(image.width == 40 && image.height == 30)
        #expect(expected.shape == [30, 40, channels])
        #expect(image.channels == channels)
        #expect(image.bitDepth == bitDepth)
        #expect(Reference.integers(image, bitDepth: bitDepth) == expected.values)
    }

    @Test("tEXt, zTXt and iTXt chunks, before and after the image data, become Image.text")
    func readsTextChunks() throws {
        let image = try ImageIO.read(Reference.url("png/text-chunks.png"))
        #expect(image.text["parameters"] == "a cup of coffee\nSteps: 20, Sampler: Euler a, Seed: 42")
        #expect(image.text["Comment"] == String(repeating: "compressed comment ", count: 5))
        #expect(image.text["Title"] == "Café ☕")
        #expect(image.text["Author"] == "Retouch tests (é)")
        #expect(image.text.count == 4)
    }

    @Test("the format comes from the signature, not the extension")
    func signatureNotExtension() throws {
        let directory = try Fixtures.temporaryDirectory()
        let disguised = directory.appendingPathComponent("actually-a-png.jpg")
        try FileManager.default.copyItem(at: Reference.url("png/rgb8.png"), to: disguised)
        let image = try ImageIO.read(disguised)
        #expect(image.channels == 3 && image.width == 40)
    }
}
