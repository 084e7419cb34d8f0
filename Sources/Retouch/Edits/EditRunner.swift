import Foundation
import RetouchFill
import RetouchImaging
import RetouchSchedulers

/// The typed state an edit carries from step to step.
public struct EditState: Sendable {
    /// The current image.
    public var image: Image
    /// The current mask (set by `UseMask`, or by a step's own mask).
    public var mask: Mask?
    /// The photo's name (file name without extension), for `{name}` patterns.
    public var name: String
    /// Generation parameters gathered from the steps, written into PNG outputs.
    public var parameters: [String] = []

    /// Starts from a photo.
    public init(image: Image, name: String) {
        self.image = image
        self.name = name
    }
}

/// What edits run with: the model (loaded once, shared by every step and photo), where relative mask paths and
/// saves resolve, and the seed the steps derive theirs from.
public struct EditEngine: Sendable {
    /// The diffusion model, when the edit has diffusion steps.
    public var model: StableDiffusion?
    /// Folder that relative paths in steps are resolved against.
    public var baseDirectory: URL
    /// Seed for steps without their own; each step adds its index.
    public var seed: UInt64
    /// Where `save` steps write: when set (batch and `run` set their output folder), a save path must be relative
    /// and stay inside it; when nil, saves resolve against `baseDirectory`.
    public var outputDirectory: URL?

    /// Creates an engine.
    public init(model: StableDiffusion?, baseDirectory: URL, seed: UInt64 = 0, outputDirectory: URL? = nil) {
        self.model = model
        self.baseDirectory = baseDirectory
        self.seed = seed
        self.outputDirectory = outputDirectory
    }
}

/// A failed step, naming the step and the photo.
public struct EditError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public let description: String
    /// Creates an error.
    public init(description: String) { self.description = description }
}

extension Edit {
    /// Progress: (step index, step count, denoising steps done, denoising steps in all).
    public typealias Progress = @Sendable (Int, Int, Int, Int) -> Void

    /// Runs the steps in order on `state`. Honours task cancellation between steps and between denoising steps.
    public func run(on state: EditState, with engine: EditEngine, progress: Progress? = nil) async throws -> EditState {
        var state = state
        for (index, step) in steps.enumerated() {
            try Task.checkCancellation()
            let report: EditPipelines.Progress = { done, total in progress?(index, steps.count, done, total) }
            do {
                state = try Self.apply(step, index: index, to: state, engine: engine, progress: report)
            } catch let error as CancellationError {
                throw error
            } catch {
                throw EditError(description: "\(state.name): step \(index + 1) (\(step.kindName)): \(error)")
            }
        }
        return state
    }

    static func apply(_ step: EditStep, index: Int, to input: EditState, engine: EditEngine,
                      progress: @escaping EditPipelines.Progress) throws -> EditState {
        var state = input
        func mask(_ spec: MaskSpec?) throws -> Mask {
            if let spec { return try spec.resolve(for: state.image, name: state.name, baseDirectory: engine.baseDirectory) }
            guard let current = state.mask else { throw EditError(description: "no mask: give the step a mask or add a mask step before it") }
            return current
        }
        func pipelines() throws -> EditPipelines {
            guard let model = engine.model else { throw EditError(description: "this step needs a model (--model)") }
            return EditPipelines(model: model)
        }
        let stepSeed = engine.seed &+ UInt64(index)
        switch step {
        case .mask(let spec):
            state.mask = try spec.resolve(for: state.image, name: state.name, baseDirectory: engine.baseDirectory)
        case .inpaint(let settings):
            let region = try mask(settings.mask)
            var diffusion = DiffusionSettings(prompt: settings.prompt)
            diffusion.negativePrompt = settings.negativePrompt
            diffusion.steps = settings.steps
            diffusion.guidance = settings.guidance
            diffusion.scheduler = settings.scheduler
            diffusion.eta = settings.eta
            diffusion.seed = settings.seed ?? stepSeed
            var options = InpaintOptions()
            options.strength = settings.strength
            options.maskBlur = settings.maskBlur
            options.area = settings.area
            options.padding = settings.padding
            state.image = try pipelines().inpaint(photo: state.image, mask: region, settings: diffusion, options: options, progress: progress).image
            state.parameters.append("inpaint: \(settings.prompt), seed \(diffusion.seed)")
        case .img2img(let settings):
            var diffusion = DiffusionSettings(prompt: settings.prompt)
            diffusion.negativePrompt = settings.negativePrompt
            diffusion.steps = settings.steps
            diffusion.guidance = settings.guidance
            diffusion.scheduler = settings.scheduler
            diffusion.eta = settings.eta
            diffusion.seed = settings.seed ?? stepSeed
            state.image = try pipelines().img2img(photo: state.image, settings: diffusion, strength: settings.strength, progress: progress).image
            state.parameters.append("img2img: \(settings.prompt), strength \(settings.strength), seed \(diffusion.seed)")
        case .remove(let settings):
            let region = try mask(settings.mask)
            state.image = try ContentAwareFill.fill(state.image, mask: region, options: FillOptions(method: settings.method, seed: settings.seed))
            state.parameters.append("remove: \(settings.method.rawValue)")
        case .resize(let width, let height):
            try ImageLimits.default.checkAllocation(width: width, height: height, what: "resize")
            state.image = state.image.resized(width: width, height: height, filter: .lanczos)
            state.mask = state.mask?.resized(width: width, height: height, filter: .bilinear)
        case .crop(let x, let y, let width, let height):
            // Compared without adding, so huge values cannot overflow past the check.
            guard x >= 0, y >= 0, width > 0, height > 0, x < state.image.width, y < state.image.height,
                  width <= state.image.width - x, height <= state.image.height - y else {
                throw EditError(description: "crop x \(x), y \(y), \(width)x\(height) is not inside the \(state.image.width)x\(state.image.height) image")
            }
            let region = PixelRect(x: x, y: y, width: width, height: height)
            state.image = state.image.cropped(to: region)
            state.mask = state.mask?.cropped(to: region)
        case .save(let path):
            let url = try Self.saveURL(path, name: state.name, engine: engine)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try ImageIO.write(state.image, to: url)
        }
        return state
    }

    /// Where a `save` step writes: inside the engine's output folder when it has one (relative paths only, no
    /// `..`, checked on the real path), else against its base folder.
    static func saveURL(_ pattern: String, name: String, engine: EditEngine) throws -> URL {
        let path = pattern.replacingOccurrences(of: "{name}", with: name)
        guard !path.isEmpty, !path.contains("\0") else { throw EditError(description: "save: the path is empty") }
        guard let folder = engine.outputDirectory else {
            return path.hasPrefix("/") ? URL(fileURLWithPath: path) : engine.baseDirectory.appendingPathComponent(path)
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.hasPrefix("/"), !parts.contains(where: { $0 == ".." || $0.isEmpty }) else {
            throw EditError(description: "save: '\(path)' must be a relative path inside the output folder (no '/' at the start, no '..')")
        }
        let url = folder.appendingPathComponent(path)
        let root = folder.resolvingSymlinksInPath().standardizedFileURL.path
        let resolved = url.deletingLastPathComponent().resolvingSymlinksInPath().standardizedFileURL.path
        guard resolved == root || resolved.hasPrefix(root + "/") else {
            throw EditError(description: "save: '\(path)' resolves outside the output folder \(folder.relativePath)")
        }
        return url
    }

    /// Whether any step needs the diffusion model.
    public var needsModel: Bool {
        steps.contains { if case .inpaint = $0 { return true }; if case .img2img = $0 { return true }; return false }
    }
}

extension EditStep {
    /// The step's recipe name.
    var kindName: String {
        switch self {
        case .mask: "mask"
        case .inpaint: "inpaint"
        case .img2img: "img2img"
        case .remove: "remove"
        case .resize: "resize"
        case .crop: "crop"
        case .save: "save"
        }
    }
}
