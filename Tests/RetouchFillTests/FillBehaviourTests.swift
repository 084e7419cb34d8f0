import Foundation
import Testing
import RetouchFill
import RetouchImaging
import RetouchTestSupport

/// What the fill promises besides quality: untouched pixels stay identical, the same seed gives the same pixels,
/// thin masks take the diffusion path, and impossible requests are clear errors.
struct FillBehaviourTests {
    static let photo: Image? = try? ImageIO.read(Fixtures.url("photos/chelsea.png"))

    static func rectangle(_ width: Int, _ height: Int, _ x0: Int, _ y0: Int, _ w: Int, _ h: Int, value: Float = 1) -> Mask {
        var mask = Mask(width: width, height: height)
        for y in y0..<(y0 + h) { for x in x0..<(x0 + w) { mask[x, y] = value } }
        return mask
    }

    @Test("pixels outside the mask are byte-identical; soft mask values blend", arguments: [FillMethod.patchMatch, .diffusion])
    func unmaskedUntouched(method: FillMethod) throws {
        let photo = try #require(Self.photo)
        var mask = Self.rectangle(photo.width, photo.height, 200, 100, 40, 30)
        mask[199, 100] = 0.5
        let result = try ContentAwareFill.fill(photo, mask: mask, options: FillOptions(method: method))
        for i in 0..<(photo.width * photo.height) where mask.values[i] == 0 {
            for c in 0..<photo.channels where result.pixels[i * photo.channels + c] != photo.pixels[i * photo.channels + c] {
                Issue.record("pixel \(i) channel \(c) changed outside the mask")
                return
            }
        }
        // A half mask blends the fill over the original.
        let soft = (100 * photo.width + 199) * photo.channels
        let filledOnly = try ContentAwareFill.fill(photo, mask: Self.rectangle(photo.width, photo.height, 199, 100, 41, 30),
                                                   options: FillOptions(method: method))
        #expect(abs(result.pixels[soft] - (photo.pixels[soft] + filledOnly.pixels[soft]) / 2) < 0.05)
        #expect(result.pixels != photo.pixels, "the hole was filled")
    }

    @Test("the same seed gives the same pixels; another seed may differ")
    func deterministic() throws {
        let photo = try #require(Self.photo)
        let mask = Self.rectangle(photo.width, photo.height, 300, 180, 50, 50)
        let first = try ContentAwareFill.fill(photo, mask: mask, options: FillOptions(method: .patchMatch, seed: 7))
        let second = try ContentAwareFill.fill(photo, mask: mask, options: FillOptions(method: .patchMatch, seed: 7))
        #expect(first == second)
    }

    @Test("thin masks use the diffusion fill under auto; wide ones the exemplar fill")
    func autoChoice() throws {
        let photo = try #require(Self.photo)
        let thin = Self.rectangle(photo.width, photo.height, 50, 150, 300, 3)
        let auto = try ContentAwareFill.fill(photo, mask: thin)
        #expect(auto == (try ContentAwareFill.fill(photo, mask: thin, options: FillOptions(method: .diffusion))))
        let wide = Self.rectangle(photo.width, photo.height, 100, 100, 40, 40)
        let autoWide = try ContentAwareFill.fill(photo, mask: wide)
        #expect(autoWide == (try ContentAwareFill.fill(photo, mask: wide, options: FillOptions(method: .patchMatch))))
    }

    @Test("holes touching the border and extended canvases are filled")
    func borderHoles() throws {
        let photo = try #require(Self.photo)
        let corner = Self.rectangle(photo.width, photo.height, 0, 0, 60, 40)
        let result = try ContentAwareFill.fill(photo, mask: corner)
        #expect(result.pixels.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
        // An outpainting-style canvas: the right quarter is new.
        let strip = Self.rectangle(photo.width, photo.height, photo.width * 3 / 4, 0, photo.width - photo.width * 3 / 4, photo.height)
        let extended = try ContentAwareFill.fill(photo, mask: strip)
        #expect(extended.pixels.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
        #expect(extended != photo)
    }

    @Test("tiny images and empty masks")
    func edgeCases() throws {
        let tiny = Image(width: 3, height: 2, channels: 3, pixels: (0..<18).map { Float($0) / 17 })
        var mask = Mask(width: 3, height: 2)
        mask[1, 0] = 1
        let result = try ContentAwareFill.fill(tiny, mask: mask)
        #expect(result.pixels.count == 18)
        #expect(try ContentAwareFill.fill(tiny, mask: Mask(width: 3, height: 2)) == tiny)
    }

    @Test("a full mask or a mismatched size is a clear error")
    func errors() {
        let image = Image(width: 4, height: 4, channels: 3, fill: 0.5)
        #expect(throws: FillError("the mask covers the whole image: there is nothing to fill from")) {
            try ContentAwareFill.fill(image, mask: Mask(width: 4, height: 4, fill: 1))
        }
        #expect(throws: FillError("the mask is 2x2 but the image is 4x4")) {
            try ContentAwareFill.fill(image, mask: Mask(width: 2, height: 2))
        }
    }
}
