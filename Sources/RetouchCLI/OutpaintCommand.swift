import ArgumentParser
import Foundation
import Retouch
import RetouchImaging

/// `retouch outpaint`: grow the canvas and paint the new area in seamless windows.
struct OutpaintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outpaint",
        abstract: "Extend a photo beyond its borders, window by window at the model's size.",
        discussion: "Give margins (--left/--right/--top/--bottom) or a canvas (--canvas WxH --anchor POS).")

    @Argument(help: "The photo.") var image: String
    @OptionGroup var options: DiffusionOptions
    @Option(help: "Pixels to add on the left.") var left = 0
    @Option(help: "Pixels to add on the right.") var right = 0
    @Option(help: "Pixels to add at the top.") var top = 0
    @Option(help: "Pixels to add at the bottom.") var bottom = 0
    @Option(help: "The new canvas size, WxH (instead of margins).") var canvas: String?
    @Option(help: "Where the photo sits on --canvas: \(CanvasAnchor.allCases.map(\.rawValue).joined(separator: ", ")).") var anchor = "center"
    @Option(help: "What the new area starts from: \(CanvasFill.allCases.map(\.rawValue).joined(separator: ", ")).") var fill = "blur"
    @Option(help: "How far each repaint reaches softly into existing pixels.") var feather = 32
    @Option(help: "Minimum overlap between windows in pixels (capped at half a window).") var overlap = 128
    @Option(help: "Window side in pixels (default: the model's native size).") var window: Int?
    @Option(help: "Denoising strength of each window (below 1, the fill shows through).") var strength = 1.0
    @Flag(help: "Afterwards, repaint narrow bands along every join at low strength.") var seamFix = false
    @Option(help: "Strength of the seam-fix pass.") var seamFixStrength = 0.35
    @Option(help: "Width of the seam-fix bands in pixels.") var seamFixWidth = 32
    @Flag(help: "Match each window's new colours to the pixels around it.") var colorCorrection = false

    func validate() throws {
        guard min(left, right, top, bottom) >= 0 else { throw ValidationError("margins must not be negative") }
        if canvas != nil {
            guard left == 0, right == 0, top == 0, bottom == 0 else { throw ValidationError("give either margins or --canvas, not both") }
            guard try Self.parseSize(canvas!) != nil else { throw ValidationError("--canvas must look like 1536x512; got '\(canvas!)'") }
        } else if left + right + top + bottom == 0 {
            throw ValidationError("nothing to outpaint: give --left, --right, --top, --bottom or --canvas")
        }
        guard CanvasAnchor(rawValue: anchor) != nil else {
            throw ValidationError("--anchor must be one of \(CanvasAnchor.allCases.map(\.rawValue).joined(separator: ", ")); got '\(anchor)'")
        }
        guard CanvasFill(rawValue: fill) != nil else {
            throw ValidationError("--fill must be one of \(CanvasFill.allCases.map(\.rawValue).joined(separator: ", ")); got '\(fill)'")
        }
        guard feather >= 0, overlap >= 0 else { throw ValidationError("--feather and --overlap must not be negative") }
        if let window { guard window >= 64, window % 8 == 0 else { throw ValidationError("--window must be a multiple of 8 of at least 64; got \(window)") } }
        guard (0...1).contains(strength), (0...1).contains(seamFixStrength) else { throw ValidationError("strengths must be between 0 and 1") }
        guard seamFixWidth > 0 else { throw ValidationError("--seam-fix-width must be positive; got \(seamFixWidth)") }
    }

    static func parseSize(_ text: String) throws -> (Int, Int)? {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]), width > 0, height > 0 else { return nil }
        return (width, height)
    }

    func run() throws {
        try DiffusionRun.execute(options: options, inputs: [image], residency: .keepAll) { pipelines, settings, progress in
            let photo = try ImageIO.read(URL(fileURLWithPath: image))
            var margins = CanvasExtension(left: left, right: right, top: top, bottom: bottom)
            if let canvas, let (width, height) = try Self.parseSize(canvas) {
                margins = try CanvasExtension(canvasWidth: width, canvasHeight: height, anchor: CanvasAnchor(rawValue: anchor) ?? .center,
                                              imageWidth: photo.width, imageHeight: photo.height)
            }
            var outpaint = OutpaintOptions()
            outpaint.fill = CanvasFill(rawValue: fill) ?? .blur
            outpaint.feather = feather
            outpaint.overlap = overlap
            if let window { outpaint.window = (window, window) }
            outpaint.strength = strength
            outpaint.seamFix = seamFix
            outpaint.seamFixStrength = seamFixStrength
            outpaint.seamFixWidth = seamFixWidth
            outpaint.colorCorrection = colorCorrection
            let result = try pipelines.outpaint(photo: photo, margins: margins, settings: settings, options: outpaint, progress: progress)
            var diffusion = DiffusionResult(image: result.image, warnings: result.warnings)
            diffusion.runWidth = result.image.width
            diffusion.runHeight = result.image.height
            return (diffusion, [("Outpaint", "left \(margins.left), right \(margins.right), top \(margins.top), bottom \(margins.bottom)"),
                                ("Fill", fill), ("Feather", "\(feather)"), ("Windows", "\(result.plan.windows.count)"),
                                ("Denoising strength", "\(strength)"), ("Seam fix", seamFix ? "\(seamFixStrength)" : "off")])
        }
    }
}
