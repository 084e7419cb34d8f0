import Foundation
import Testing
import RetouchImaging
import RetouchTestSupport

/// Resizing: one separable resampler behind `Image.resized` and `Mask.resized`, checked against values
/// computed by hand (nearest, bilinear, area) and against Pillow (Lanczos, box).
struct ResizeTests {
    static func row(_ values: [Float]) -> Image {
        Image(width: values.count, height: 1, channels: 1, pixels: values)
    }

    static func close(_ a: [Float], _ b: [Float], _ tolerance: Float = 1e-6) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
    }

    static let oneDimensional: [(ResizeFilter, [Float], Int, [Float])] = [
        // Area: a 2x2 -> 1x1 below; here 3 -> 2 covers [0, 1.5) and [1.5, 3): (0 + 0.3/2) / 1.5, (0.3/2 + 0.6) / 1.5.
        (ResizeFilter.area, [0, 0.3, 0.6] as [Float], 2, [0.1, 0.5] as [Float]),
        (.area, [0, 0.2, 0.4, 0.8], 2, [0.1, 0.6]),
        // Bilinear, half-pixel centres: outputs sit at source 0.5 and 2.5.
        (.bilinear, [0, 0.1, 0.2, 0.3], 2, [0.05, 0.25]),
        // Upscale 2 -> 4: sources -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped at the edge).
        (.bilinear, [0, 1], 4, [0, 0.25, 0.75, 1]),
        // Nearest takes the pixel under each output centre: 1 and 3; upscale centres 0.2, 0.6, 1.0, 1.4, 1.8.
        (.nearest, [0, 0.1, 0.2, 0.3], 2, [0.1, 0.3]),
        (.nearest, [0, 1], 5, [0, 0, 1, 1, 1]),
        // Every filter keeps a constant constant.
        (.lanczos, [0.4, 0.4, 0.4, 0.4, 0.4], 3, [0.4, 0.4, 0.4]),
        (.lanczos, [0.4, 0.4, 0.4], 7, [0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]),
    ]

    @Test("hand-computed 1-D cases", arguments: oneDimensional)
    func handComputed(filter: ResizeFilter, input: [Float], width: Int, expected: [Float]) {
        let resized = Self.row(input).resized(width: width, height: 1, filter: filter)
        #expect(Self.close(resized.pixels, expected), "\(resized.pixels)")
    }

    @Test("2x2 to 1x1 by area is the average")
    func areaAverage() {
        let image = Image(width: 2, height: 2, channels: 1, pixels: [0, 0.25, 0.5, 1])
        #expect(Self.close(image.resized(width: 1, height: 1, filter: .area).pixels, [0.4375]))
    }

    @Test("bilinear on a 2-D gradient interpolates both axes")
    func bilinearGradient() {
        // value = x + 10 y on a 4x4 grid; halving samples at (0.5, 0.5), (2.5, 0.5), ...
        var pixels = [Float](repeating: 0, count: 16)
        for y in 0..<4 {
            for x in 0..<4 { pixels[y * 4 + x] = Float(x) * 0.01 + Float(y) * 0.1 }
        }
        let image = Image(width: 4, height: 4, channels: 1, pixels: pixels)
        let half = image.resized(width: 2, height: 2)
        #expect(Self.close(half.pixels, [0.055, 0.075, 0.255, 0.275]), "\(half.pixels)")
    }

    @Test("Lanczos and box match Pillow", arguments: [
        ("source-13x11", "lanczos-5x4", ResizeFilter.lanczos), ("source-13x11", "lanczos-20x17", .lanczos),
        ("source-13x11", "lanczos-7x11", .lanczos), ("source-12x10", "area-4x5", .area),
        ("source-12x10", "area-6x2", .area),
    ])
    func matchesPillow(source: String, reference: String, filter: ResizeFilter) throws {
        let input = try NumpyArray(fixture: "images/resize/\(source).npy")
        let expected = try NumpyArray(fixture: "images/resize/\(reference).npy")
        let image = Image(width: input.shape[1], height: input.shape[0], channels: 1, pixels: input.values)
        let resized = image.resized(width: expected.shape[1], height: expected.shape[0], filter: filter)
        let closeness = Closeness(resized.pixels, expected.values)
        #expect(closeness.maxAbsError < 1e-5, "\(closeness)")
    }

    @Test("channels resize independently and size, depth and text are kept", arguments: ResizeFilter.allCases)
    func channelsIndependent(filter: ResizeFilter) throws {
        var image = try ImageIO.read(Reference.url("png/rgba16.png"))
        image.text = ["parameters": "kept"]
        let resized = image.resized(width: 17, height: 9, filter: filter)
        #expect(resized.width == 17 && resized.height == 9 && resized.channels == 4)
        #expect(resized.bitDepth == 16 && resized.text == image.text)
        #expect(resized.pixels.allSatisfy { (0...1).contains($0) })
        // Each channel equals resizing that channel alone.
        for c in 0..<4 {
            let plane = Image(width: image.width, height: image.height, channels: 1,
                              pixels: stride(from: c, to: image.pixels.count, by: 4).map { image.pixels[$0] })
            let alone = plane.resized(width: 17, height: 9, filter: filter).pixels
            let inside = stride(from: c, to: resized.pixels.count, by: 4).map { resized.pixels[$0] }
            #expect(Self.close(alone, inside))
        }
    }

    @Test("a large image resizes in parallel to the same result as small tiles would")
    func largeImage() throws {
        let photo = try ImageIO.read(Fixtures.url("photos/coffee.png"))
        let small = photo.resized(width: 300, height: 200, filter: .area)
        // Exact 2x area downscale is the mean of each 2x2 block.
        for (x, y) in [(0, 0), (150, 100), (299, 199)] {
            for c in 0..<3 {
                let mean = (photo[2 * x, 2 * y, c] + photo[2 * x + 1, 2 * y, c]
                            + photo[2 * x, 2 * y + 1, c] + photo[2 * x + 1, 2 * y + 1, c]) / 4
                #expect(abs(small[x, y, c] - mean) < 1e-6)
            }
        }
    }

    @Test("masks use the same resampler")
    func maskResize() {
        let mask = Mask(width: 2, height: 2, values: [0, 0.25, 0.5, 1])
        #expect(mask.resized(width: 1, height: 1, filter: .area).values.map { ($0 * 1e6).rounded() / 1e6 } == [0.4375])
        let up = Mask(width: 2, height: 1, values: [0, 1]).resized(width: 4, height: 1)
        #expect(Self.close(up.values, [0, 0.25, 0.75, 1]))
    }
}
