import ArgumentParser
import Foundation
import RetouchFiles
import Retouch
import RetouchImaging

/// `retouch variations`: N seeds of img2img, each written as it finishes, then a contact sheet.
struct VariationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "variations",
        abstract: "Make N img2img variations of a photo (seeds S, S+1, …) and a contact sheet.",
        discussion: "--output is a folder: it receives <photo>-<seed>.png for each variation and contact-sheet.png.")

    @Argument(help: "The photo.") var image: String
    @OptionGroup var options: DiffusionOptions
    @Option(parsing: .unconditional, help: "How many variations, 1 to 1000.") var count = 4
    @Option(parsing: .unconditional, help: "How much to change, 0 to 1.") var strength = 0.6
    @Flag(help: "Match each variation's colours to the photo's.") var colorCorrection = false

    func validate() throws {
        try FlagRules.check {
            try ParameterRules.check(count, "--count", in: ParameterRules.count)
            try ParameterRules.check(strength, "--strength", in: ParameterRules.strength)
        }
    }

    func run() throws {
        let stem = URL(fileURLWithPath: image).deletingPathExtension().lastPathComponent
        try SeriesRun.execute(options: options, inputs: [image]) { pipelines, settings, progress, write in
            let photo = try ImageIO.read(URL(fileURLWithPath: image))
            let results = try pipelines.variations(photo: photo, settings: settings, strength: strength, count: count,
                                                   colorCorrection: colorCorrection, progress: progress) { index, result in
                var seeded = settings
                seeded.seed = settings.seed &+ UInt64(index)
                try write("\(stem)-\(seeded.seed).png", result, seeded, [("Denoising strength", "\(strength)")])
            }
            return results.map(\.image)
        }
    }
}

/// `retouch walk`: the latent-space walk between two seeds (and optionally two prompts).
struct WalkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "walk",
        abstract: "Walk through latent space: frames between two seeds (slerp) and two prompts (lerp), and a contact sheet.",
        discussion: "--output is a folder: it receives frame-001.png … and contact-sheet.png.")

    @OptionGroup var options: DiffusionOptions
    @Option(help: "The prompt to end at (default: the same prompt).") var toPrompt: String?
    @Option(parsing: .unconditional, help: "The seed to end at.") var toSeed: UInt64
    @Option(parsing: .unconditional, help: "Number of frames, both ends included, 2 to 1000.") var frames = 8
    @Option(parsing: .unconditional, help: "Width in pixels (a multiple of 8; default: the model's native size).") var width: Int?
    @Option(parsing: .unconditional, help: "Height in pixels (a multiple of 8; default: the model's native size).") var height: Int?

    func validate() throws {
        guard let seed = options.seed, seed != .random else {
            throw ValidationError("walk needs --seed (where to start, 0 or more) as well as --to-seed")
        }
        try FlagRules.check { try ParameterRules.check(frames, "--frames", in: 2...ParameterRules.count.upperBound) }
        try ImageSizeFlags.validate(width: width, height: height)
    }

    func run() throws {
        try SeriesRun.execute(options: options, inputs: []) { pipelines, settings, progress, write in
            let side = pipelines.model.unetConfig.sampleSize * pipelines.model.vaeScaleFactor
            let digits = max(3, String(frames).count)
            let size = try ImageSizeFlags.resolve(width: width, height: height, native: side)
            let results = try pipelines.walk(settings, toPrompt: toPrompt, toSeed: toSeed, frames: frames,
                                             width: size.width, height: size.height, progress: progress) { frame, result in
                let number = String(repeating: "0", count: max(0, digits - String(frame + 1).count)) + String(frame + 1)
                let t = Double(frame) / Double(frames - 1)
                try write("frame-\(number).png", result, settings,
                          [("Walk", "frame \(frame + 1) of \(frames), t \(String(format: "%.4f", t))"), ("To seed", "\(toSeed)")]
                            + (toPrompt.map { [("To prompt", $0)] } ?? []))
            }
            return results.map(\.image)
        }
    }
}

/// Runs a command that writes a series of images into the `--output` folder: each file atomically as soon as it
/// is done (so an interrupted run keeps its finished images), then `contact-sheet.png`.
enum SeriesRun {
    typealias Writer = (String, DiffusionResult, DiffusionSettings, [(String, String)]) throws -> Void

    static func execute(options: DiffusionOptions, inputs: [String],
                        _ body: (EditPipelines, DiffusionSettings, @escaping EditPipelines.Progress, @escaping Writer) throws -> [Image]) throws {
        let folder = URL(fileURLWithPath: options.output)
        try reportingFailures {
            for input in inputs where OutputFile.sameFile(URL(fileURLWithPath: input), folder) {
                throw ImageError(file: options.output, problem: "is an input file; --output must be a folder")
            }
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), !isFolder.boolValue {
                throw ImageError(file: options.output, problem: "exists and is not a folder; --output must be a folder")
            }
            let model = try options.loadModel(defaultResidency: .keepAll)
            let settings = options.settings()
            var pipelines = EditPipelines(model: model, vaeTiling: options.tiling())
            // Previews of a series go to preview.png in the output folder.
            pipelines.previews = try options.livePreviews(model: model, files: try options.modelFiles(),
                                                          writingTo: folder.appendingPathComponent("preview.png"))
            if pipelines.previews != nil { try OutputPath.prepareParent(of: folder.appendingPathComponent("preview.png")) }
            let bar = ProgressBar()
            var warned = Set<String>()
            let images = try body(pipelines, settings, { done, total in bar.update(done, total) }) { name, result, used, extras in
                for warning in result.warnings where !warned.contains(warning) {
                    warned.insert(warning)
                    FileHandle.standardError.write(Data("\nwarning: \(warning)\n".utf8))
                }
                var info = Infotext(settings: used, scheduler: used.scheduler ?? model.defaultScheduler ?? .pndm,
                                    width: result.image.width, height: result.image.height, model: model.name)
                info.modelFields = model.infotextFields
                info.extras = extras
                let url = folder.appendingPathComponent(name)
                try OutputPath.prepareParent(of: url)
                try ImageIO.write(result.image, to: url, options: ImageWriteOptions(bitDepth: 8, text: ["parameters": info.text]))
            }
            bar.finish()
            let sheet = ContactSheet.make(images, maxCellSide: 256)
            try ImageIO.write(sheet, to: folder.appendingPathComponent("contact-sheet.png"), options: ImageWriteOptions(bitDepth: 8))
            MemoryReport.printIfRequested()
            print("wrote \(images.count) images and contact-sheet.png to \(options.output)")
        }
    }
}
