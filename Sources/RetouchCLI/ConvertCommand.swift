import ArgumentParser
import Foundation
import RetouchFiles
import RetouchImaging

/// `retouch convert`: read an image, optionally resize it, and write it in the format its extension names.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert an image between PNG, JPEG and TIFF, optionally resizing it.",
        discussion: """
            The input format is detected from the file's contents; the output format comes from its extension \
            (.png, .jpg, .jpeg, .tif, .tiff). JPEG photos are turned upright according to their EXIF \
            orientation. The output is written atomically: on failure no partial file is left behind.
            """
    )

    /// The resampling filters offered on the command line.
    enum Filter: String, ExpressibleByArgument, CaseIterable {
        case area, bilinear, lanczos, nearest

        var resizeFilter: ResizeFilter {
            switch self {
            case .area: return .area
            case .bilinear: return .bilinear
            case .lanczos: return .lanczos
            case .nearest: return .nearest
            }
        }
    }

    @Argument(help: "The image to read (PNG, JPEG or TIFF).")
    var input: String

    @Argument(help: "The file to write; its extension picks the format.")
    var output: String

    @Option(help: ArgumentHelp("Resize to exactly WIDTHxHEIGHT pixels, e.g. 768x512.", valueName: "WxH"))
    var resize: String?

    @Option(help: ArgumentHelp("Scale both sides by this factor, e.g. 0.5.", valueName: "F"))
    var scale: Double?

    @Option(help: "Resampling filter for --resize/--scale.")
    var filter: Filter = .lanczos

    @Option(help: ArgumentHelp("JPEG quality, 1 to 100.", valueName: "Q"))
    var quality: Int = 95

    @Option(name: .customLong("bit-depth"),
            help: ArgumentHelp("Bits per sample in the output, 8 or 16 (default: as read; JPEG is always 8).",
                               valueName: "8|16"))
    var bitDepth: Int?

    mutating func validate() throws {
        if resize != nil && scale != nil { throw ValidationError("Use either --resize or --scale, not both.") }
        if let resize, Self.parseSize(resize) == nil {
            throw ValidationError("--resize expects WIDTHxHEIGHT with positive whole numbers, e.g. 768x512; got '\(resize)'.")
        }
        if let scale, !(scale > 0 && scale.isFinite) {
            throw ValidationError("--scale must be a positive number; got \(scale).")
        }
        if !(1...100).contains(quality) { throw ValidationError("--quality must be 1 to 100; got \(quality).") }
        if let bitDepth, bitDepth != 8 && bitDepth != 16 {
            throw ValidationError("--bit-depth must be 8 or 16; got \(bitDepth).")
        }
    }

    func run() throws {
        let inputURL = URL(fileURLWithPath: input)
        let outputURL = URL(fileURLWithPath: output)
        do {
            if OutputFile.sameFile(inputURL, outputURL) {
                throw ImageError(file: output, problem: "is the input file; choose a different output path "
                                 + "(convert never overwrites its input)")
            }
            do { try OutputFile.requireWritable(outputURL) } catch let problem as FileProblem {
                throw ImageError(file: problem.file, problem: problem.problem)
            }
            let (image, warnings) = try ImageIO.readWithWarnings(inputURL)
            for warning in warnings { Self.printError("warning: \(warning)") }
            let resized = try resizedIfAsked(image)
            try OutputPath.prepareParent(of: outputURL)
            try ImageIO.write(resized, to: outputURL,
                              options: ImageWriteOptions(bitDepth: bitDepth, jpegQuality: quality))
        } catch let error as ImageError {
            Self.printError("error: \(error)")
            throw ExitCode.failure
        }
    }

    /// The image at the size `--resize` or `--scale` asks for, refusing sizes over the pixel limit.
    private func resizedIfAsked(_ image: Image) throws -> Image {
        let target: (width: Int, height: Int)
        if let resize, let size = Self.parseSize(resize) {
            target = size
        } else if let scale {
            // Checked in floating point first: a huge factor must not overflow the conversion to Int.
            let width = (Double(image.width) * scale).rounded(), height = (Double(image.height) * scale).rounded()
            let limit = Double(ImageLimits.default.maxPixels)
            guard max(width, 1) * max(height, 1) <= limit else {
                throw ImageError(file: output, problem: "the resized image would be \(Int(min(width, 1e15)))x\(Int(min(height, 1e15))) "
                                 + "pixels, over the limit of \(ImageLimits.default.maxPixels / 1_000_000) megapixels")
            }
            target = (max(1, Int(width)), max(1, Int(height)))
        } else {
            return image
        }
        let limit = ImageLimits.default.maxPixels
        if target.width > limit / target.height {
            throw ImageError(file: output, problem: "the resized image would be \(target.width)x\(target.height) "
                             + "pixels, over the limit of \(limit / 1_000_000) megapixels")
        }
        if target == (image.width, image.height) { return image }
        return image.resized(width: target.width, height: target.height, filter: filter.resizeFilter)
    }

    /// `"768x512"` as `(768, 512)`, or `nil`.
    static func parseSize(_ text: String) -> (width: Int, height: Int)? {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]), width > 0, height > 0 else {
            return nil
        }
        return (width, height)
    }

    /// Whether two paths name the same file (after resolving symbolic links, or by device and inode).
    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
