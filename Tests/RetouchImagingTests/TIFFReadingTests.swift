import Foundation
import Testing
import RetouchImaging
import RetouchTestSupport

/// Reading TIFF: 8/16-bit gray, RGB and RGBA from two writers, palette through libtiff's RGBA path, and the
/// first page of a multi-page file with a warning the CLI can show.
struct TIFFReadingTests {
    @Test("each TIFF kind decodes to the exact samples", arguments: [
        ("tiff/gray8.tif", 1, 8), ("tiff/rgb8.tif", 3, 8), ("tiff/rgba8.tif", 4, 8),
        ("tiff/gray16.tif", 1, 16), ("tiff/rgb16.tif", 3, 16), ("tiff/rgba16.tif", 4, 16),
        ("tiff/palette.tif", 3, 8),
    ])
    func decodes(name: String, channels: Int, bitDepth: Int) throws {
        let (image, warnings) = try ImageIO.readWithWarnings(Reference.url(name))
        let expected = try Reference.samples(for: name)
        #expect(warnings.isEmpty)
        #expect(image.width == 40 && image.height == 30)
        #expect(image.channels == channels)
        #expect(image.bitDepth == bitDepth)
        #expect(Reference.integers(image, bitDepth: bitDepth) == expected.values)
    }

    @Test("the Orientation tag is applied on both decoding paths", arguments: [
        "orientation-3", "orientation-6", "orientation-8", "orientation-5-palette",
    ])
    func orientation(name: String) throws {
        let image = try ImageIO.read(Reference.url("tiff/\(name).tif"))
        let pattern = try NumpyArray(fixture: "images/jpeg/orientation-upright.npy")
        #expect(image.width == 32 && image.height == 16 && image.channels == 3)
        #expect(Reference.integers(image, bitDepth: 8) == pattern.values)
    }

    @Test("a multi-page TIFF reads its first page and warns about the rest")
    func multipage() throws {
        let url = Reference.url("tiff/multipage.tif")
        let (image, warnings) = try ImageIO.readWithWarnings(url)
        #expect(Reference.integers(image, bitDepth: 8) == (try Reference.samples(for: "tiff/multipage.tif")).values)
        #expect(warnings == ["\(url.path): the TIFF has 3 pages; only the first was read"])
        #expect(try ImageIO.read(url) == image)
    }
}
