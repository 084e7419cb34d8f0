import ArgumentParser
import Foundation
import RetouchFiles
import Retouch
import RetouchImaging
import RetouchModels

/// Loads the model only when the recipe has diffusion steps.
private func engine(for edit: Edit, model: String?, seed: UInt64, base: URL) throws -> EditEngine {
    guard edit.needsModel else { return EditEngine(model: nil, baseDirectory: base, seed: seed) }
    guard let model else { throw EditError(description: "the recipe has inpaint or img2img steps: pass --model") }
    return EditEngine(model: try StableDiffusion.load(model), baseDirectory: base, seed: seed)
}

/// `--model` resolved against `--models-dir` (or its environment variable) when it is a name, not a path.
private func locatedModel(_ model: String?, modelsDir: String?) throws -> String? {
    try model.map { try ModelsFolder.locate($0, kind: .checkpoint, in: ModelsFolder.chosen(flag: modelsDir)) }
}

/// The help of `--models-dir` on recipe commands.
private let modelsDirHelp = ArgumentHelp("A models folder laid out as AUTOMATIC1111's: a --model name resolves in its Stable-diffusion/ folder. Default: $\(ModelsFolder.environmentVariable).", valueName: "dir")

/// `retouch run RECIPE IMAGE... --output DIR`.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Apply a recipe (YAML or JSON steps) to photos.")

    @Argument(help: "The recipe file.") var recipe: String
    @Argument(help: "Photos to edit.") var images: [String]
    @Option(help: "Folder for the results (<name>.png).") var output: String
    @Option(help: "Model for inpaint and img2img steps.") var model: String?
    @Option(help: modelsDirHelp) var modelsDir: String?
    @Option(parsing: .unconditional, help: "Base seed, 0 or more; each photo's seed derives from it and the photo's name.") var seed: UInt64 = 0

    func run() async throws {
        do {
            let edit = try Recipe.load(URL(fileURLWithPath: recipe))
            let model = try locatedModel(model, modelsDir: modelsDir)
            let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            var runner = BatchRunner(edit: edit, engine: try engine(for: edit, model: model, seed: seed, base: cwd),
                                     outputDirectory: URL(fileURLWithPath: output))
            runner.resume = false
            let items = images.map { path in
                BatchItem(name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, image: URL(fileURLWithPath: path))
            }
            let outputFolder = URL(fileURLWithPath: output)
            for item in items where OutputFile.sameFile(item.image, outputFolder) {
                throw EditError(description: "\(output): is an input of this run; --output must be a folder")
            }
            let outcomes = try await runner.run(items)
            let failures = outcomes.filter { $0.status == "failed" }
            for failure in failures { FileHandle.standardError.write(Data("error: \(failure.error ?? failure.name)\n".utf8)) }
            if !failures.isEmpty { throw ExitCode.failure }
        } catch let error as ExitCode { throw error } catch { throw reportedFailure(error) }
    }
}

/// `retouch batch RECIPE --input DIR|MANIFEST --output DIR`.
struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "batch",
        abstract: "Run a recipe over a folder or manifest; resumable, shardable, never leaves a truncated output.")

    @Argument(help: "The recipe file.") var recipe: String
    @Option(help: "A folder of photos, or a CSV/JSONL manifest (image, name, prompt).") var input: String
    @Option(help: "Folder for the results, the journal and summary.json.") var output: String
    @Option(help: "Model for inpaint and img2img steps.") var model: String?
    @Option(help: modelsDirHelp) var modelsDir: String?
    @Option(parsing: .unconditional, help: "Base seed, 0 or more; each item's seed derives from it and the item's name.") var seed: UInt64 = 0
    @Flag(inversion: .prefixedNo, help: "Skip items the journal records as finished.") var resume = true
    @Flag(help: "Stop at the first failed item.") var failFast = false
    @Option(help: "Process the slice I/N (also read from Slurm arrays or Kubernetes indexed jobs).") var shard: String?

    func run() async throws {
        do {
            let edit = try Recipe.load(URL(fileURLWithPath: recipe))
            let model = try locatedModel(model, modelsDir: modelsDir)
            let inputURL = URL(fileURLWithPath: input)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: inputURL.path, isDirectory: &isFolder) else {
                throw EditError(description: "\(input): no such folder or manifest")
            }
            let items = isFolder.boolValue ? try BatchRunner.items(inFolder: inputURL) : try BatchRunner.items(inManifest: inputURL)
            let outputFolder = URL(fileURLWithPath: output)
            if OutputFile.sameFile(inputURL, outputFolder), !isFolder.boolValue {
                throw EditError(description: "\(output): is the manifest; --output must be a folder")
            }
            let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            var runner = BatchRunner(edit: edit, engine: try engine(for: edit, model: model, seed: seed, base: cwd),
                                     outputDirectory: URL(fileURLWithPath: output))
            runner.resume = resume
            runner.failFast = failFast
            runner.shard = try Shard.resolve(shard)
            runner.modelIdentity = model.map { URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path }
            let started = Date()
            let terminal = isatty(2) == 1
            let outcomes = try await runner.run(items) { done, total in
                guard terminal else { return }
                let elapsed = Date().timeIntervalSince(started)
                let rate = Double(done) / max(elapsed, 1e-3)
                let eta = rate > 0 ? Double(total - done) / rate : 0
                FileHandle.standardError.write(Data(String(format: "\r%d/%d  %.2f items/s  ETA %dm%02ds", done, total, rate, Int(eta) / 60, Int(eta) % 60).utf8))
            }
            if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
            let failed = outcomes.filter { $0.status == "failed" }
            for failure in failed { FileHandle.standardError.write(Data("error: \(failure.error ?? failure.name)\n".utf8)) }
            if !failed.isEmpty { throw ExitCode.failure }
        } catch let error as ExitCode { throw error } catch { throw reportedFailure(error) }
    }
}

/// `retouch mask`: make or reshape a mask.
struct MaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mask",
        abstract: "Make or reshape a mask: from an image (luminance or alpha), a rectangle or an ellipse; grow, shrink, feather, invert.")

    @Argument(help: "The image to take the mask from, or the photo whose size a shape mask takes.") var input: String
    @Option(help: "Where to write the mask.") var output: String
    @Flag(help: "Take the mask from the input's alpha channel (transparent = repaint).") var fromAlpha = false
    @Option(parsing: .unconditional, help: "A rectangle X,Y,W,H instead of the input's pixels (clipped to the photo).") var rectangle: String?
    @Option(parsing: .unconditional, help: "An ellipse inside X,Y,W,H instead of the input's pixels (clipped to the photo).") var ellipse: String?
    @Option(parsing: .unconditional, help: "Grow by PX.") var grow = 0
    @Option(parsing: .unconditional, help: "Shrink by PX.") var shrink = 0
    @Option(parsing: .unconditional, help: "Feather by PX (0 to 1000).") var feather = 0.0

    func validate() throws {
        try FlagRules.check {
            try ParameterRules.check(grow, "--grow", in: ParameterRules.pixels)
            try ParameterRules.check(shrink, "--shrink", in: ParameterRules.pixels)
            try ParameterRules.check(feather, "--feather", in: ParameterRules.blur)
        }
        if let rectangle { _ = try box(rectangle, flag: "--rectangle") }
        if let ellipse { _ = try box(ellipse, flag: "--ellipse") }
    }
    @Flag(help: "Swap repaint and keep.") var invert = false

    func box(_ text: String, flag: String) throws -> (Int, Int, Int, Int) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        let values = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 4, values.count == 4 else { throw ValidationError("\(flag) expects X,Y,W,H (whole numbers); got '\(text)'") }
        try FlagRules.check { try MaskSpec.checkBox(x: values[0], y: values[1], width: values[2], height: values[3], field: flag) }
        return (values[0], values[1], values[2], values[3])
    }

    func run() throws {
        do {
            let outputURL = URL(fileURLWithPath: output)
            try OutputFile.requireWritable(outputURL, inputs: [URL(fileURLWithPath: input)])
            let image = try ImageIO.read(URL(fileURLWithPath: input))
            var spec: MaskSpec
            if let rectangle { let b = try box(rectangle, flag: "--rectangle"); spec = .rectangle(x: b.0, y: b.1, width: b.2, height: b.3) }
            else if let ellipse { let b = try box(ellipse, flag: "--ellipse"); spec = .ellipse(x: b.0, y: b.1, width: b.2, height: b.3) }
            else if fromAlpha { spec = .alpha }
            else { spec = .file(input) }
            spec.grow = grow
            spec.shrink = shrink
            spec.feather = feather
            spec.invert = invert
            let mask = try spec.resolve(for: image, name: URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent,
                                        baseDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            try OutputPath.prepareParent(of: outputURL)
            try ImageIO.write(mask.image(), to: outputURL)
        } catch let error as ValidationError { throw error } catch { throw reportedFailure(error) }
    }
}
