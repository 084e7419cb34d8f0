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
