import ArgumentParser
import Foundation
import RetouchFiles
import RetouchFill
import RetouchImaging

/// `retouch remove`: erase what a mask covers, rebuilding it from the rest of the photo with no model.
///
/// This is the model-free fill (PatchMatch for wide holes, diffusion for thin ones). The editing-pipelines
/// work adds `--model`, which turns `remove` into an inpaint pre-filled by this fill.
struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove what a mask covers (white = remove), filling it from the rest of the photo. No model needed.")

    @Argument(help: "The photo (PNG, JPEG or TIFF).")
    var image: String

    @Option(help: "The mask: white where to remove. Resized to the photo if its size differs.")
    var mask: String

    @Option(help: "Where to write the result (.png, .jpg or .tif).")
    var output: String

    @Option(help: "Fill method: auto, patchmatch or diffusion.")
    var method: String = "auto"

    @Option(parsing: .unconditional, help: "Seed of the exemplar fill's random search, 0 or more, or -1 for a random one (same seed, same pixels).")
    var seed: SeedOption = .value(0)

    @Flag(help: "Take the mask from the mask image's alpha channel instead of its luminance.")
    var maskAlpha = false

    func validate() throws {
        guard FillMethod(rawValue: method) != nil else {
            throw ValidationError("--method must be one of \(FillMethod.allCases.map(\.rawValue).joined(separator: ", ")); got '\(method)'")
        }
    }

    func run() throws {
        let imageURL = URL(fileURLWithPath: image), maskURL = URL(fileURLWithPath: mask)
        let outputURL = URL(fileURLWithPath: output)
        do {
            do { try OutputFile.requireWritable(outputURL, inputs: [imageURL, maskURL]) } catch let problem as FileProblem {
                throw ImageError(file: problem.file, problem: problem.problem)
            }
            let seed = self.seed.resolved
            let photo = try ImageIO.read(imageURL)
            var region = try Mask.read(maskURL, source: maskAlpha ? .alpha : .luminance)
            if region.width != photo.width || region.height != photo.height {
                region = region.resized(width: photo.width, height: photo.height, filter: .bilinear)
            }
            let options = FillOptions(method: FillMethod(rawValue: method) ?? .auto, seed: seed)
            let result: Image
            do {
                result = try ContentAwareFill.fill(photo, mask: region, options: options)
            } catch let error as FillError {
                throw ImageError(file: mask, problem: error.description)
            }
            try OutputPath.prepareParent(of: outputURL)
            var text = photo.text
            text["parameters"] = "Retouch remove, method: \(method), seed: \(seed)"
            try ImageIO.write(result, to: outputURL, options: ImageWriteOptions(text: text))
        } catch let error as ImageError {
            throw reportedFailure(error)
        }
    }
}
