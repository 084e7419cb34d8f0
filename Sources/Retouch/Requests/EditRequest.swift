import Foundation
import RetouchFill
import RetouchImaging

/// One edit a client asked for, decoded once at the boundary (HTTP JSON, a form, a command line): what to do, on
/// which pixels, with which parameters.
public struct EditRequest: Sendable {
    /// What to do.
    public enum Mode: Sendable, Equatable {
        /// Text to image at a size.
        case generate(width: Int, height: Int)
        /// img2img of the photo toward the prompt.
        case img2img
        /// Repaint what the mask covers.
        case inpaint(Mask)
        /// Extend the canvas by margins.
        case outpaint(CanvasExtension, feather: Int)
        /// img2img variations (seeds seed, seed+1, …).
        case variations
        /// The model-free fill of what the mask covers.
        case remove(Mask)

        /// Whether the mode runs the diffusion model.
        public var needsModel: Bool { if case .remove = self { return false } else { return true } }

        /// A short name (`inpaint`, `remove`).
        public var name: String {
            switch self {
            case .generate: "generate"
            case .img2img: "img2img"
            case .inpaint: "inpaint"
            case .outpaint: "outpaint"
            case .variations: "variations"
            case .remove: "remove"
            }
        }
    }

    /// What to do.
    public var mode: Mode
    /// The photo (nil for `generate`).
    public var image: Image?
    /// The parameters (already validated).
    public var parameters: EditParameters
    /// `Key: value` pairs the request adds to each image's infotext.
    public var infotextExtras: [(String, String)] = []

    /// Creates a request; `image` is required unless the mode is `generate`.
    public init(mode: Mode, image: Image?, parameters: EditParameters) throws {
        if case .generate = mode {} else if image == nil { throw InvalidParameter(field: "image", problem: "is required for \(mode.name)") }
        self.mode = mode
        self.image = image
        self.parameters = parameters
    }
}

/// One image a request made.
public struct EditOutput: Sendable {
    /// The image.
    public var image: Image
    /// Its seed.
    public var seed: UInt64
    /// Its generation parameters (AUTOMATIC1111 infotext), for the PNG's `parameters` chunk.
    public var infotext: String
    /// Warnings for the user.
    public var warnings: [String]
}

extension EditRequest {
    /// Progress: (image index, images, denoising steps done, steps in all).
    public typealias Progress = @Sendable (Int, Int, Int, Int) -> Void

    /// Runs the request: `parameters.count` images with seeds `seed`, `seed + 1`, … (the seed must be resolved).
    /// `pipelines` is needed unless the mode is `remove`; `isCancelled` is asked between steps.
    public func run(pipelines: EditPipelines?, progress: Progress? = nil,
                    isCancelled: @escaping @Sendable () -> Bool = { false }) throws -> [EditOutput] {
        let count = parameters.count
        var outputs: [EditOutput] = []
        for index in 0..<count {
            if isCancelled() { throw CancellationError() }
            let report: EditPipelines.Progress = { done, total in progress?(index, count, done, total) }
            outputs.append(try runOne(index: index, pipelines: pipelines, progress: report, isCancelled: isCancelled))
        }
        return outputs
    }

    private func runOne(index: Int, pipelines given: EditPipelines?, progress: @escaping EditPipelines.Progress,
                        isCancelled: @escaping @Sendable () -> Bool) throws -> EditOutput {
        let settings = parameters.diffusionSettings(index: index)
        if case .remove(let mask) = mode, let image {
            let filled = try ContentAwareFill.fill(image, mask: mask, options: FillOptions(seed: settings.seed))
            progress(1, 1)
            return EditOutput(image: filled, seed: settings.seed, infotext: "Remove: model-free fill, Seed: \(settings.seed), Size: \(filled.width)x\(filled.height), Version: Retouch 0.1.0", warnings: [])
        }
        guard var pipelines = given else { throw PipelineError("\(mode.name) needs a model: start the server with --model") }
        pipelines.isCancelled = isCancelled
        var extras = infotextExtras
        let result: DiffusionResult
        switch mode {
        case .generate(let width, let height):
            result = try pipelines.generate(settings, width: width, height: height, progress: progress)
        case .img2img, .variations:
            result = try pipelines.img2img(photo: image!, settings: settings, strength: parameters.strength, progress: progress)
            extras.insert(("Denoising strength", "\(parameters.strength)"), at: 0)
        case .inpaint(let mask):
            result = try pipelines.inpaint(photo: image!, mask: mask, settings: settings, options: parameters.inpaintOptions, progress: progress)
            extras.insert(contentsOf: [("Denoising strength", "\(parameters.strength)"), ("Mask blur", "\(parameters.maskBlur)")], at: 0)
        case .outpaint(let margins, let feather):
            var options = OutpaintOptions()
            options.feather = feather
            options.strength = parameters.strength
            let outpainted = try pipelines.outpaint(photo: image!, margins: margins, settings: settings, options: options, progress: progress)
            result = DiffusionResult(image: outpainted.image, warnings: outpainted.warnings)
            extras.insert(("Outpaint", "left \(margins.left), right \(margins.right), top \(margins.top), bottom \(margins.bottom)"), at: 0)
        case .remove:
            preconditionFailure("handled above")
        }
        let model = pipelines.model
        var info = Infotext(settings: settings, scheduler: settings.scheduler ?? model.defaultScheduler ?? .pndm,
                            width: result.image.width, height: result.image.height, model: model.name)
        info.modelFields = model.infotextFields
        info.extras = extras
        return EditOutput(image: result.image, seed: settings.seed, infotext: info.text, warnings: result.warnings)
    }
}
