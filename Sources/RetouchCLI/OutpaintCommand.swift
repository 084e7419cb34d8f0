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
    @Option(parsing: .unconditional, help: "Pixels to add on the left.") var left = 0
    @Option(parsing: .unconditional, help: "Pixels to add on the right.") var right = 0
    @Option(parsing: .unconditional, help: "Pixels to add at the top.") var top = 0
    @Option(parsing: .unconditional, help: "Pixels to add at the bottom.") var bottom = 0
    @Option(help: "The new canvas size, WxH (instead of margins).") var canvas: String?
    @Option(help: "Where the photo sits on --canvas: \(CanvasAnchor.allCases.map(\.rawValue).joined(separator: ", ")).") var anchor = "center"
    @Option(help: "What the new area starts from: \(CanvasFill.allCases.map(\.rawValue).joined(separator: ", ")).") var fill = "blur"
    @Option(parsing: .unconditional, help: "How far each repaint reaches softly into existing pixels.") var feather = 32
    @Option(parsing: .unconditional, help: "Minimum overlap between windows in pixels (capped at half a window).") var overlap = 128
    @Option(parsing: .unconditional, help: "Window side in pixels (default: the model's native size).") var window: Int?
    @Option(parsing: .unconditional, help: "Denoising strength of each window (below 1, the fill shows through).") var strength = 1.0
    @Flag(help: "Afterwards, repaint narrow bands along every join at low strength.") var seamFix = false
    @Option(parsing: .unconditional, help: "Strength of the seam-fix pass.") var seamFixStrength = 0.35
    @Option(parsing: .unconditional, help: "Width of the seam-fix bands in pixels.") var seamFixWidth = 32
    @Flag(help: "Match each window's new colours to the pixels around it.") var colorCorrection = false

    func validate() throws {
        try FlagRules.check {
            for (value, flag) in [(left, "--left"), (right, "--right"), (top, "--top"), (bottom, "--bottom"),
                                  (feather, "--feather"), (overlap, "--overlap")] {
                try ParameterRules.check(value, flag, in: ParameterRules.pixels)
            }
            try ParameterRules.check(strength, "--strength", in: ParameterRules.strength)
            try ParameterRules.check(seamFixStrength, "--seam-fix-strength", in: ParameterRules.strength)
            try ParameterRules.check(seamFixWidth, "--seam-fix-width", in: 1...ParameterRules.pixels.upperBound)
            _ = try ParameterRules.choice(anchor, "--anchor", as: CanvasAnchor.self)
            _ = try ParameterRules.choice(fill, "--fill", as: CanvasFill.self)
        }
        if let canvas {
            guard left == 0, right == 0, top == 0, bottom == 0 else { throw ValidationError("give either margins or --canvas, not both") }
            guard let (width, height) = Self.parseSize(canvas) else { throw ValidationError("--canvas must look like 1536x512; got '\(canvas)'") }
            try FlagRules.check { try ImageLimits.default.checkAllocation(width: width, height: height, what: "--canvas") }
        } else if left + right + top + bottom == 0 {
            throw ValidationError("nothing to outpaint: give --left, --right, --top, --bottom or --canvas")
        }
        if let window {
            guard (64...4096).contains(window), window % 8 == 0 else {
                throw ValidationError("--window must be a multiple of 8 from 64 to 4096; got \(window)")
            }
        }
    }

    static func parseSize(_ text: String) -> (Int, Int)? {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]), width > 0, height > 0 else { return nil }
        return (width, height)
    }

    func run() throws {
        try DiffusionRun.execute(options: options, inputs: [image], residency: .keepAll) { pipelines, settings, progress in
            let photo = try ImageIO.read(URL(fileURLWithPath: image))
            var margins = CanvasExtension(left: left, right: right, top: top, bottom: bottom)
            if let canvas, let (width, height) = Self.parseSize(canvas) {
                margins = try CanvasExtension(canvasWidth: width, canvasHeight: height, anchor: CanvasAnchor(rawValue: anchor) ?? .center,
                                              imageWidth: photo.width, imageHeight: photo.height)
            }
            // Margins are each at most 65535, so these sums cannot overflow.
            try ImageLimits.default.checkAllocation(width: photo.width + margins.left + margins.right,
                                                    height: photo.height + margins.top + margins.bottom, what: "the outpainted canvas")
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
