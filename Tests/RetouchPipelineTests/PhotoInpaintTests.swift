import Foundation
import Testing
import Retouch
import RetouchImaging
import RetouchSchedulers
import RetouchTestSupport

/// Inpainting a photo: outside the mask (and its blur band) every pixel is the input's, inside it is diffusers'
/// image; only-masked inpainting touches nothing outside its crop and runs at the same size whatever the photo size.
struct PhotoInpaintTests {
    static let model = try? StableDiffusion.load(Fixtures.url("models/tiny-inpaint").path)

    static var settings: DiffusionSettings {
        var settings = DiffusionSettings(prompt: "a photo of a cat")
        settings.steps = 6
        settings.seed = 1234
        settings.scheduler = .ddim
        return settings
    }

    @Test("with --mask-blur 0: diffusers' pixels inside the mask, the input's outside")
    func compositeWithoutBlur() throws {
        let model = try #require(Self.model)
        let photo = try ImageIO.read(Fixtures.url("pipelines/inputs/coffee-64.png"))
        let mask = try Mask.read(Fixtures.url("pipelines/inputs/mask-64.png"))
        var options = InpaintOptions()
        options.maskBlur = 0
        let result = try EditPipelines(model: model).inpaint(photo: photo, mask: mask, settings: Self.settings, options: options)
        let reference = try NumpyArray(fixture: "pipelines/outputs/inpaint9-ddim-1.0.npy")
        var squared = 0.0, count = 0
        for i in 0..<(photo.width * photo.height) {
            for c in 0..<3 {
                let value = result.image.pixels[i * 3 + c]
                if mask.values[i] == 0 {
                    #expect(value == photo.pixels[i * 3 + c], "pixel \(i) changed outside the mask")
                } else {
                    let difference = Double((value * 255).rounded()) - Double(reference.values[i * 3 + c])
                    squared += difference * difference
                    count += 1
                }
            }
        }
        let psnr = squared == 0 ? Double.infinity : 10 * log10(255 * 255 / (squared / Double(count)))
        #expect(psnr >= 45, "PSNR inside the mask \(psnr) dB")
    }

    @Test("the blur band blends; beyond it pixels are untouched")
    func blurBand() throws {
        let model = try #require(Self.model)
        let photo = try ImageIO.read(Fixtures.url("pipelines/inputs/coffee-64.png"))
        let mask = try Mask.read(Fixtures.url("pipelines/inputs/mask-64.png"))
        var options = InpaintOptions()
        options.maskBlur = 2
        let result = try EditPipelines(model: model).inpaint(photo: photo, mask: mask, settings: Self.settings, options: options)
        let band = mask.binarized().blurred(sigma: 2)
        for i in 0..<(photo.width * photo.height) where band.values[i] == 0 {
            #expect(Array(result.image.pixels[(i * 3)..<(i * 3 + 3)]) == Array(photo.pixels[(i * 3)..<(i * 3 + 3)]))
        }
        #expect(result.image.pixels != photo.pixels)
    }

    @Test("only-masked inpainting leaves everything outside the crop untouched and runs at the model's size", arguments: [1, 3])
    func onlyMasked(scale: Int) throws {
        let model = try #require(Self.model)
        let base = try ImageIO.read(Fixtures.url("photos/chelsea.png"))
        let photo = scale == 1 ? base : base.resized(width: base.width * scale, height: base.height * scale, filter: .lanczos)
        var mask = Mask(width: photo.width, height: photo.height)
        for y in (40 * scale)..<(60 * scale) { for x in (300 * scale)..<(330 * scale) { mask[x, y] = 1 } }
        var options = InpaintOptions()
        options.area = .masked
        options.padding = 8 * scale
        let result = try EditPipelines(model: model).inpaint(photo: photo, mask: mask, settings: Self.settings, options: options)
        #expect(result.runWidth == 64 && result.runHeight == 64, "ran at \(result.runWidth)x\(result.runHeight)")
        let crop = try #require(mask.boundingBox())
        let margin = 30 * scale + 8 * scale
        var changedOutside = 0
        for y in 0..<photo.height {
            for x in 0..<photo.width where x < crop.x - margin || x >= crop.maxX + margin || y < crop.y - margin || y >= crop.maxY + margin {
                let i = (y * photo.width + x) * photo.channels
                if result.image.pixels[i..<(i + photo.channels)] != photo.pixels[i..<(i + photo.channels)] { changedOutside += 1 }
            }
        }
        #expect(changedOutside == 0)
    }
}

/// Cancelling the task stops a run between denoising steps.
struct CancellationTests {
    @Test("a cancelled task stops between denoising steps")
    func cancels() async throws {
        let model = try #require(PhotoInpaintTests.model)
        var settings = PhotoInpaintTests.settings
        settings.steps = 50
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try EditPipelines(model: model).generate(settings, width: 64, height: 64)
        }
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}
