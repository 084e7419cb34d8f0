import Foundation
import Testing
import Retouch
import RetouchImaging
import RetouchTestSupport

/// Outpainting on the tiny fixtures: the canvas grows, the original stays exactly itself beyond the feather band,
/// joins are no sharper than the painting inside a window, and the seam-fix pass only touches its bands.
struct OutpaintTests {
    static let model = try? StableDiffusion.load(Fixtures.url("models/tiny-inpaint").path)
    static let photo = try? ImageIO.read(Fixtures.url("pipelines/inputs/coffee-64.png"))

    static var settings: DiffusionSettings {
        var settings = DiffusionSettings(prompt: "a photo of a cat")
        settings.steps = 4
        settings.seed = 99
        settings.scheduler = .ddim
        return settings
    }

    static var options: OutpaintOptions {
        var options = OutpaintOptions()
        options.window = (64, 64)
        options.overlap = 16
        options.feather = 8
        return options
    }

    static func run(_ margins: CanvasExtension, _ options: OutpaintOptions = options) throws -> OutpaintResult {
        let model = try #require(Self.model), photo = try #require(Self.photo)
        return try EditPipelines(model: model).outpaint(photo: photo, margins: margins, settings: settings, options: options)
    }

    @Test("the canvas grows by the margins, and the original's pixels beyond the feather band are unchanged",
          arguments: [CanvasExtension(right: 96), CanvasExtension(left: 40, right: 24, top: 16, bottom: 48)])
    func originalKept(margins: CanvasExtension) throws {
        let photo = try #require(Self.photo)
        let result = try Self.run(margins)
        #expect(result.image.width == photo.width + margins.left + margins.right)
        #expect(result.image.height == photo.height + margins.top + margins.bottom)
        #expect(result.original == PixelRect(x: margins.left, y: margins.top, width: photo.width, height: photo.height))
        let feather = Self.options.feather
        var kept = 0
        for y in 0..<photo.height {
            for x in 0..<photo.width {
                let fromEdge = min(x + (margins.left > 0 ? 0 : Int.max / 2), y + (margins.top > 0 ? 0 : Int.max / 2),
                                   photo.width - 1 - x + (margins.right > 0 ? 0 : Int.max / 2),
                                   photo.height - 1 - y + (margins.bottom > 0 ? 0 : Int.max / 2))
                guard fromEdge >= feather + 1 else { continue }
                for c in 0..<3 {
                    #expect(result.image[x + margins.left, y + margins.top, c] == photo[x, y, c], "pixel \(x),\(y) changed")
                }
                kept += 1
            }
        }
        #expect(kept > 0)
    }

    @Test("the new area is painted, not left as the fill")
    func newAreaPainted() throws {
        let photo = try #require(Self.photo)
        let result = try Self.run(CanvasExtension(right: 96))
        let fill = try EditPipelines.prefilledCanvas(.blur, photo: photo, margins: CanvasExtension(right: 96), seed: 99)
        var changed = 0
        for y in 0..<64 { for x in 64..<160 where abs(result.image[x, y, 0] - fill[x, y, 0]) > 2 / 255 { changed += 1 } }
        #expect(changed > 96 * 64 / 2)
    }

    /// Mean absolute horizontal gradient over the given columns (differences between column x−1 and x).
    static func gradient(_ image: Image, columns: [Int]) -> Double {
        var sum = 0.0, count = 0
        for x in columns {
            for y in 0..<image.height {
                for c in 0..<3 { sum += Double(abs(image[x, y, c] - image[x - 1, y, c])); count += 1 }
            }
        }
        return sum / Double(count)
    }

    @Test("seam metric: the mean gradient across window borders and the old edge is no higher than inside windows")
    func seamMetric() throws {
        let result = try Self.run(CanvasExtension(right: 192))
        let borders = Set(result.plan.windows.flatMap { [$0.x, $0.maxX] }.filter { $0 > 0 && $0 < result.image.width } + [64])
        let inside = (65..<result.image.width).filter { x in !borders.contains(x) && !borders.contains(x - 1) && !borders.contains(x + 1) }
        let atBorders = Self.gradient(result.image, columns: borders.sorted())
        let within = Self.gradient(result.image, columns: inside)
        #expect(result.plan.windows.count >= 3)
        #expect(atBorders <= within, "gradient at borders \(atBorders), inside windows \(within)")
    }

    @Test("the seam-fix pass changes only pixels within its bands")
    func seamFixStaysInBands() throws {
        let plain = try Self.run(CanvasExtension(right: 96))
        var options = Self.options
        options.seamFix = true
        options.seamFixWidth = 12
        let fixed = try Self.run(CanvasExtension(right: 96), options)
        let distances = DistanceTransform.squaredDistances(width: plain.image.width, height: plain.image.height) { plain.seams.values[$0] >= 0.5 }
        var inBand = 0
        for i in 0..<distances.count {
            if distances[i] >= 36 {
                #expect(Array(fixed.image.pixels[(i * 3)..<(i * 3 + 3)]) == Array(plain.image.pixels[(i * 3)..<(i * 3 + 3)]))
            } else if fixed.image.pixels[(i * 3)..<(i * 3 + 3)] != plain.image.pixels[(i * 3)..<(i * 3 + 3)] {
                inBand += 1
            }
        }
        #expect(inBand > 0, "the seam fix changed nothing")
        #expect(plain.seams.values[10 * plain.image.width + 64] == 1, "the old edge is a seam")
    }

    @Test("a canvas and anchor give the same margins as the equivalent flags")
    func canvasAnchor() throws {
        #expect(try CanvasExtension(canvasWidth: 160, canvasHeight: 64, anchor: .left, imageWidth: 64, imageHeight: 64) == CanvasExtension(right: 96))
        #expect(try CanvasExtension(canvasWidth: 128, canvasHeight: 128, anchor: .center, imageWidth: 64, imageHeight: 64)
                == CanvasExtension(left: 32, right: 32, top: 32, bottom: 32))
        #expect(try CanvasExtension(canvasWidth: 100, canvasHeight: 80, anchor: .bottomRight, imageWidth: 64, imageHeight: 64)
                == CanvasExtension(left: 36, top: 16))
        #expect(throws: PipelineError.self) { try CanvasExtension(canvasWidth: 32, canvasHeight: 64, anchor: .center, imageWidth: 64, imageHeight: 64) }
    }

    @Test("every fill keeps the original and fills the rest", arguments: CanvasFill.allCases)
    func fills(fill: CanvasFill) throws {
        let photo = try #require(Self.photo)
        let canvas = try EditPipelines.prefilledCanvas(fill, photo: photo, margins: CanvasExtension(left: 16, top: 8), seed: 3)
        #expect(canvas.width == 80 && canvas.height == 72)
        for y in 0..<64 { for x in 0..<64 { #expect(canvas[x + 16, y + 8, 1] == photo[x, y, 1]) } }
        if fill == .edge { #expect(canvas[0, 20, 0] == photo[0, 12, 0]) }
        if fill == .mirror { #expect(canvas[10, 20, 0] == photo[6, 12, 0]) }
    }

    @Test("colour correction moves only repainted pixels, for inpaint and outpaint")
    func colourCorrection() throws {
        let model = try #require(Self.model), photo = try #require(Self.photo)
        let mask = try Mask.read(Fixtures.url("pipelines/inputs/mask-64.png"))
        var options = InpaintOptions()
        options.maskBlur = 0
        let plain = try EditPipelines(model: model).inpaint(photo: photo, mask: mask, settings: Self.settings, options: options).image
        options.colorCorrection = true
        let corrected = try EditPipelines(model: model).inpaint(photo: photo, mask: mask, settings: Self.settings, options: options).image
        #expect(corrected != plain)
        for i in 0..<(64 * 64) where mask.values[i] < 0.5 {
            #expect(Array(corrected.pixels[(i * 3)..<(i * 3 + 3)]) == Array(photo.pixels[(i * 3)..<(i * 3 + 3)]))
        }
        var outpaint = Self.options
        outpaint.colorCorrection = true
        let grown = try EditPipelines(model: model).outpaint(photo: photo, margins: CanvasExtension(right: 32), settings: Self.settings, options: outpaint)
        for y in 0..<64 { for x in 0..<(64 - outpaint.feather - 1) { #expect(grown.image[x, y, 0] == photo[x, y, 0]) } }
    }
}
