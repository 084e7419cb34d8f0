import Foundation
import RetouchImaging
import RetouchTensor

/// Outpainting options beyond the diffusion settings.
public struct OutpaintOptions: Sendable {
    /// What the new area starts from.
    public var fill: CanvasFill = .blur
    /// How far (pixels) each repaint reaches into pixels that were already there, ramping softly to nothing,
    /// so joins are repainted rather than pasted.
    public var feather = 32
    /// Minimum overlap between neighbouring windows in pixels (windows always overlap finished pixels by at least
    /// a quarter window).
    public var overlap = 128
    /// The window size (nil: the model's native size).
    public var window: (width: Int, height: Int)?
    /// Denoising strength of each window (1: from pure noise; below 1 the fill shows through).
    public var strength: Double = 1
    /// Run a low-strength inpaint along narrow bands centred on the joins afterwards.
    public var seamFix = false
    /// Strength of the seam-fix pass.
    public var seamFixStrength: Double = 0.35
    /// Width of the seam-fix bands in pixels.
    public var seamFixWidth = 32
    /// Match each repainted area's colour statistics to the finished pixels around it.
    public var colorCorrection = false

    /// Defaults.
    public init() {}
}

/// An outpaint's result.
public struct OutpaintResult: Sendable {
    /// The grown canvas.
    public var image: Image
    /// Where the original sits on it.
    public var original: PixelRect
    /// The windows that ran, in order.
    public var plan: TilePlan
    /// Every join between new content and pixels that were already there (1 on a join).
    public var seams: Mask
    /// Warnings for the user.
    public var warnings: [String]
}

extension EditPipelines {
    /// Grows `photo`'s canvas by `margins` and paints the new area window by window at the model's size: every
    /// new pixel is covered, each window sees finished neighbours, and each repaint ramps into finished pixels over
    /// `options.feather`; the original's pixels farther than that from the new area are returned unchanged.
    /// Memory is bounded by one window whatever the canvas size.
    public func outpaint(photo: Image, margins: CanvasExtension, settings: DiffusionSettings, options: OutpaintOptions,
                         progress: Progress? = nil) throws -> OutpaintResult {
        guard !margins.isEmpty else { throw PipelineError("nothing to outpaint: every margin is 0") }
        guard min(margins.left, margins.right, margins.top, margins.bottom) >= 0 else { throw PipelineError("margins must not be negative") }
        let (width, height) = margins.canvasSize(width: photo.width, height: photo.height)
        let original = margins.originalRect(width: photo.width, height: photo.height)
        let window = options.window ?? nativeSize
        let plan = TilePlan.outpainting(canvasWidth: width, canvasHeight: height, original: original, window: window, overlap: options.overlap)
        var canvas = try CanvasFill.canvas(options.fill, image: photo, original: original, width: width, height: height, seed: settings.seed)
        var known = PixelSet(width: width, height: height)
        known.insert(original)
        var seams = PixelSet(width: width, height: height)
        var warnings = [String]()
        var inpaintOptions = InpaintOptions()
        inpaintOptions.strength = options.strength
        inpaintOptions.maskBlur = 0
        inpaintOptions.maskedContent = options.fill == .latentNoise ? .latentNoise : .original
        let seamPasses = options.seamFix ? Self.seamFixPlan(width: width, height: height, window: window, overlap: options.overlap).windows.count : 0
        let stepsPerWindow = max(1, Int((Double(settings.steps) * options.strength).rounded(.down)))
        let total = plan.windows.count * stepsPerWindow + seamPasses * max(1, Int(Double(settings.steps) * options.seamFixStrength))
        var finishedSteps = 0

        for (index, rect) in plan.windows.enumerated() {
            let unpainted = known.missing(in: rect)
            guard !unpainted.isEmpty() else { continue }
            Self.markBoundary(of: unpainted, in: rect, on: &seams)
            let weights = Self.featherWeights(unpainted, feather: options.feather)
            let diffusionMask = Mask(width: rect.width, height: rect.height, values: weights.map { $0 > 0 ? 1 : 0 })
            var windowSettings = settings
            windowSettings.seed = settings.seed &+ UInt64(index)
            let done = finishedSteps
            let crop = canvas.cropped(to: rect)
            let result = try inpaint(photo: crop, mask: diffusionMask, settings: windowSettings, options: inpaintOptions) { step, _ in
                progress?(min(done + step, total), total)
            }
            finishedSteps += stepsPerWindow
            warnings += result.warnings.filter { !warnings.contains($0) }
            var painted = result.image
            if options.colorCorrection {
                let reference = Mask(width: rect.width, height: rect.height, values: weights.map { $0 > 0 ? 0 : 1 })
                painted = painted.colorCorrected(region: Mask(width: rect.width, height: rect.height, values: weights),
                                                 toMatch: crop, referenceRegion: reference)
            }
            canvas.blend(painted, at: rect, weights: weights)
            known.insert(unpainted, at: rect)
            MemoryPolicy.releaseFreeMemory()
        }
        if options.seamFix {
            let done = finishedSteps
            canvas = try fixSeams(canvas: canvas, seams: seams.mask, settings: settings, options: options, window: window) { step in
                progress?(min(done + step, total), total)
            }
        }
        progress?(total, total)
        return OutpaintResult(image: canvas, original: original, plan: plan, seams: seams.mask, warnings: warnings)
    }

    /// The seam-fix pass: a low-strength inpaint of bands `seamFixWidth` wide centred on `seams`, run over a
    /// covering grid of windows whose outputs are blended with `TileRamp`, then put over the canvas through the
    /// band's smooth profile (1 on the seam, 0 at the band's edge).
    func fixSeams(canvas: Image, seams: Mask, settings: DiffusionSettings, options: OutpaintOptions,
                  window: (width: Int, height: Int), progress: @escaping @Sendable (Int) -> Void) throws -> Image {
        let (width, height) = (canvas.width, canvas.height)
        let half = max(1, options.seamFixWidth / 2)
        let distances = DistanceTransform.squaredDistances(width: width, height: height) { seams.values[$0] >= 0.5 }
        let profile = Mask(width: width, height: height, values: distances.map { Self.bandProfile($0.squareRoot(), half: Float(half)) })
        guard !profile.isEmpty(threshold: 1e-6) else { return canvas }
        var inpaintOptions = InpaintOptions()
        inpaintOptions.strength = options.seamFixStrength
        inpaintOptions.maskBlur = 0
        var settings = settings
        // At least one step runs whatever the strength (diffusers would run int(steps × strength) of them).
        settings.steps = max(settings.steps, Int((1 / max(options.seamFixStrength, 0.01)).rounded(.up)))
        var sum = [Float](repeating: 0, count: width * height * 3), weightSum = [Float](repeating: 0, count: width * height)
        let plan = Self.seamFixPlan(width: width, height: height, window: window, overlap: options.overlap)
        let stepsPerWindow = max(1, Int(Double(settings.steps) * options.seamFixStrength))
        for (index, rect) in plan.windows.enumerated() {
            let band = profile.cropped(to: rect)
            guard !band.isEmpty(threshold: 1e-6) else { continue }
            var windowSettings = settings
            windowSettings.seed = settings.seed &+ 0x5EA3 &+ UInt64(index)
            let done = index * stepsPerWindow
            let result = try inpaint(photo: canvas.cropped(to: rect), mask: Mask(width: rect.width, height: rect.height, values: band.values.map { $0 > 0 ? 1 : 0 }),
                                     settings: windowSettings, options: inpaintOptions) { step, _ in progress(done + step) }
            let weights = TileRamp.weights(for: rect, canvasWidth: width, canvasHeight: height, ramp: options.overlap)
            let painted = result.image.converted(toChannels: 3)
            for y in 0..<rect.height {
                for x in 0..<rect.width where band.values[y * rect.width + x] > 0 {
                    let w = weights[y * rect.width + x], target = (rect.y + y) * width + rect.x + x
                    weightSum[target] += w
                    for c in 0..<3 { sum[target * 3 + c] += w * painted.pixels[(y * rect.width + x) * 3 + c] }
                }
            }
        }
        var fixed = canvas.converted(toChannels: 3)
        for index in 0..<(width * height) where weightSum[index] > 0 {
            let m = profile.values[index]
            for c in 0..<3 {
                let repainted = sum[index * 3 + c] / weightSum[index]
                fixed.pixels[index * 3 + c] = fixed.pixels[index * 3 + c] * (1 - m) + repainted * m
            }
        }
        return fixed
    }

    /// The windows of the seam-fix pass.
    static func seamFixPlan(width: Int, height: Int, window: (width: Int, height: Int), overlap: Int) -> TilePlan {
        TilePlan.covering(width: width, height: height, window: window, overlap: max(overlap, min(window.width, window.height) / 4))
    }

    /// 1 on the seam, falling smoothly to 0 at `half` pixels.
    static func bandProfile(_ distance: Float, half: Float) -> Float {
        guard distance < half else { return 0 }
        let t = 1 - distance / half
        return t * t * (3 - 2 * t)
    }

    /// Composite weights for one window: 1 on unpainted pixels, a smooth ramp to 0 over `feather` pixels into
    /// finished ones, 0 beyond.
    static func featherWeights(_ unpainted: Mask, feather: Int) -> [Float] {
        guard feather > 0 else { return unpainted.values }
        let distances = DistanceTransform.squaredDistances(width: unpainted.width, height: unpainted.height) { unpainted.values[$0] >= 0.5 }
        return distances.map { bandProfile($0.squareRoot(), half: Float(feather) + 1) }
    }

    /// Marks on `seams` the unpainted pixels of a window that touch finished ones (4-neighbours inside the
    /// window): where this window's new content meets what was there.
    static func markBoundary(of unpainted: Mask, in rect: PixelRect, on seams: inout PixelSet) {
        for y in 0..<rect.height {
            for x in 0..<rect.width where unpainted[x, y] >= 0.5 {
                let touches = (x > 0 && unpainted[x - 1, y] < 0.5) || (x + 1 < rect.width && unpainted[x + 1, y] < 0.5)
                    || (y > 0 && unpainted[x, y - 1] < 0.5) || (y + 1 < rect.height && unpainted[x, y + 1] < 0.5)
                if touches { seams.insert(x: rect.x + x, y: rect.y + y) }
            }
        }
    }
}

extension Image {
    /// `self·(1−w) + painted·w` inside `rect`, with per-pixel weights of `painted`'s size; pixels with weight 0
    /// keep their exact values.
    mutating func blend(_ painted: Image, at rect: PixelRect, weights: [Float]) {
        let painted = painted.converted(toChannels: channels)
        for y in 0..<rect.height {
            for x in 0..<rect.width {
                let w = weights[y * rect.width + x]
                guard w > 0 else { continue }
                let target = ((rect.y + y) * width + rect.x + x) * channels, source = (y * rect.width + x) * channels
                for c in 0..<channels {
                    pixels[target + c] = w >= 1 ? painted.pixels[source + c] : pixels[target + c] * (1 - w) + painted.pixels[source + c] * w
                }
            }
        }
    }
}

/// A set of canvas pixels, one byte each (a quarter of a `Mask`): what an outpaint has finished, and its joins.
struct PixelSet {
    let width: Int, height: Int
    private var members: [Bool]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        members = [Bool](repeating: false, count: width * height)
    }

    mutating func insert(x: Int, y: Int) { members[y * width + x] = true }

    mutating func insert(_ rect: PixelRect) {
        for y in rect.y..<rect.maxY { for x in rect.x..<rect.maxX { members[y * width + x] = true } }
    }

    /// Adds the pixels of `rect` that `local` (of `rect`'s size) marks.
    mutating func insert(_ local: Mask, at rect: PixelRect) {
        for y in 0..<rect.height { for x in 0..<rect.width where local[x, y] >= 0.5 { members[(rect.y + y) * width + rect.x + x] = true } }
    }

    /// 1 where a pixel of `rect` is not in the set.
    func missing(in rect: PixelRect) -> Mask {
        var mask = Mask(width: rect.width, height: rect.height)
        for y in 0..<rect.height { for x in 0..<rect.width where !members[(rect.y + y) * width + rect.x + x] { mask[x, y] = 1 } }
        return mask
    }

    /// The set as a mask (1 on members).
    var mask: Mask { Mask(width: width, height: height, values: members.map { $0 ? 1 : 0 }) }
}
