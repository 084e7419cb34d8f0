import Foundation
import Testing
import RetouchImaging
import RetouchTestSupport

/// Writing: PNG, JPEG and TIFF chosen by extension, lossless round trips at 8 and 16 bits, text chunks for
/// generation parameters, and JPEG quality.
struct ImageWritingTests {
    @Test("an 8-bit PNG read and written back has byte-identical pixels")
    func pngRoundTripIsExact() throws {
        let directory = try Fixtures.temporaryDirectory()
        let original = try ImageIO.read(Fixtures.url("photos/coffee.png"))
        let copy = directory.appendingPathComponent("coffee.png")
        try ImageIO.write(original, to: copy)
        let reread = try ImageIO.read(copy)
        #expect(reread.width == original.width && reread.height == original.height)
        #expect(reread.bitDepth == 8)
        #expect(Reference.integers(reread, bitDepth: 8) == Reference.integers(original, bitDepth: 8))
        #expect(reread.pixels == original.pixels)
    }

    @Test("lossless formats round-trip exactly at 8 and 16 bits", arguments: [
        ("png/rgba16.png", "png"), ("png/gray-alpha16.png", "png"), ("png/gray16.png", "tif"),
        ("png/rgba16.png", "tiff"), ("png/rgb8.png", "tif"), ("png/gray-alpha8.png", "tif"),
        ("png/gray-alpha8.png", "png"),
    ])
    func losslessRoundTrip(name: String, ext: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        let original = try ImageIO.read(Reference.url(name))
        let url = directory.appendingPathComponent("copy.\(ext)")
        try ImageIO.write(original, to: url)
        let reread = try ImageIO.read(url)
        #expect(reread.bitDepth == original.bitDepth)
        #expect(reread.channels == original.channels)
        #expect(reread.pixels == original.pixels)
    }

    @Test("bitDepth overrides the image's own depth")
    func bitDepthOption() throws {
        let directory = try Fixtures.temporaryDirectory()
        let image = try ImageIO.read(Reference.url("png/rgb8.png"))
        let url = directory.appendingPathComponent("deep.png")
        try ImageIO.write(image, to: url, options: .init(bitDepth: 16))
        let deep = try ImageIO.read(url)
        #expect(deep.bitDepth == 16)
        #expect(Reference.integers(deep, bitDepth: 8) == Reference.integers(image, bitDepth: 8))
        let sixteen = try ImageIO.read(Reference.url("png/rgb16.png"))
        let shallow = directory.appendingPathComponent("shallow.png")
        try ImageIO.write(sixteen, to: shallow, options: .init(bitDepth: 8))
        #expect(try ImageIO.read(shallow).bitDepth == 8)
    }

    @Test("text round-trips through PNG, with options merged over the image's own text")
    func textRoundTrip() throws {
        let directory = try Fixtures.temporaryDirectory()
        var image = Image(width: 4, height: 3, channels: 3, fill: 0.5)
        image.text = ["parameters": "old", "Software": "Retouch"]
        let parameters = "a red bicycle\nNegative prompt: blurry\nSteps: 30, Sampler: DPM++ 2M, CFG scale: 7, Seed: 1234"
        let url = directory.appendingPathComponent("generated.png")
        try ImageIO.write(image, to: url, options: .init(text: ["parameters": parameters, "Title": "Vélo 🚲"]))
        let reread = try ImageIO.read(url)
        #expect(reread.text == ["parameters": parameters, "Software": "Retouch", "Title": "Vélo 🚲"])
    }

    @Test("an invalid text key is refused", arguments: ["", String(repeating: "k", count: 80), " padded", "emoji🙂"])
    func invalidTextKey(key: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        let url = directory.appendingPathComponent("bad-key.png")
        #expect(throws: ImageError.self) {
            try ImageIO.write(Image(width: 1, height: 1, channels: 1), to: url, options: .init(text: [key: "v"]))
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    @Test("JPEG quality changes the file size; the default is 95")
    func jpegQuality() throws {
        let directory = try Fixtures.temporaryDirectory()
        let photo = try ImageIO.read(Fixtures.url("photos/coffee.png"))
        func size(_ quality: Int?) throws -> Int {
            let url = directory.appendingPathComponent("q\(quality ?? 0).jpg")
            try ImageIO.write(photo, to: url, options: quality.map { .init(jpegQuality: $0) } ?? .init())
            return try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
        }
        let low = try size(20), high = try size(95), standard = try size(nil)
        #expect(low > 0 && low * 2 < high)
        #expect(standard == high)
        let decoded = try ImageIO.read(directory.appendingPathComponent("q95.jpg"))
        let meanError = zip(decoded.pixels, photo.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(photo.pixels.count)
        #expect(meanError < 0.02, "mean error \(meanError)")
    }

    @Test("JPEG drops alpha and writes gray as gray", arguments: [(4, 3), (3, 3), (2, 1), (1, 1)])
    func jpegChannels(channels: Int, stored: Int) throws {
        let directory = try Fixtures.temporaryDirectory()
        let url = directory.appendingPathComponent("out.jpeg")
        try ImageIO.write(Image(width: 16, height: 8, channels: channels, fill: 0.5), to: url)
        let reread = try ImageIO.read(url)
        #expect(reread.channels == stored)
        #expect(reread.pixels.allSatisfy { abs($0 - 0.5) < 0.01 })
    }

    @Test("option errors name the file", arguments: [
        ("out.jpg", ImageWriteOptions(bitDepth: 16), "JPEG stores 8 bits per sample"),
        ("out.jpg", ImageWriteOptions(jpegQuality: 0), "JPEG quality must be 1...100"),
        ("out.png", ImageWriteOptions(bitDepth: 12), "bit depth must be 8 or 16"),
        ("out.bmp", ImageWriteOptions(), "extension '.bmp'"),
        ("out", ImageWriteOptions(), "no extension"),
    ])
    func optionErrors(file: String, options: ImageWriteOptions, message: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        let url = directory.appendingPathComponent(file)
        do {
            try ImageIO.write(Image(width: 2, height: 2, channels: 3), to: url, options: options)
            Issue.record("writing \(file) should fail")
        } catch let error as ImageError {
            #expect(error.file == url.path)
            #expect(error.problem.contains(message), "\(error)")
            #expect(error.description == "\(url.path): \(error.problem)")
        }
    }
}
