import Foundation
import Testing
import RetouchImaging
import RetouchTestSupport

/// The pixel limit is checked against the declared size before any pixel memory is allocated: a
/// 100000×100000 image (30 GB of RGB floats) is refused instantly rather than exhausting memory.
struct ImageLimitsTests {
    @Test("the default limit is 100 megapixels")
    func defaultLimit() {
        #expect(ImageLimits.default.maxPixels == 100_000_000)
    }

    @Test("a custom limit applies to every format", arguments: ["png/rgb8.png", "jpeg/baseline.jpg", "tiff/rgb8.tif"])
    func customLimit(name: String) throws {
        let url = Reference.url(name)
        #expect(throws: ImageError(file: url.path, problem: "image is 40x30 pixels (1200 pixels), over the limit of 1199 pixels")) {
            try ImageIO.read(url, limits: ImageLimits(maxPixels: 1199))
        }
        #expect(try ImageIO.read(url, limits: ImageLimits(maxPixels: 1200)).width == 40)
    }

    @Test("a file far larger than any image within the limit is refused before reading")
    func oversizedFile() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("sparse.png")
        #expect(FileManager.default.createFile(atPath: url.path, contents: Data([0x89, 0x50, 0x4E, 0x47])))
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 2 << 30)  // a 2 GiB sparse file
        try handle.close()
        do {
            _ = try ImageIO.read(url, limits: ImageLimits(maxPixels: 1_000_000))
            Issue.record("should refuse")
        } catch let error as ImageError {
            #expect(error.problem.hasPrefix("is 2147483648 bytes, over the") && error.problem.hasSuffix("limit for an image"))
        }
    }

    @Test("masks honour the limit too")
    func maskLimit() throws {
        #expect(throws: ImageError.self) {
            try Mask.read(Reference.url("png/gray8.png"), limits: ImageLimits(maxPixels: 100))
        }
    }

    @Test("huge declared sizes are refused quickly", arguments: [
        "huge-dimensions.png", "huge-dimensions.jpg", "huge-dimensions.tif",
    ])
    func refusedBeforeAllocation(file: String) throws {
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(throws: ImageError.self) { try ImageIO.read(Fixtures.url("bad-files/images/\(file)")) }
        }
        #expect(elapsed < .seconds(1))
    }
}
