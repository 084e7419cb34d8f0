import Foundation
import Testing
import Retouch
import RetouchImaging
import RetouchTestSupport

/// `--preview-every N`: a preview of the run every N steps, written atomically beside the output as
/// `OUTPUT.preview.png` (the output's extension replaced); it never changes the result.
@Suite("Live previews (CLI)")
struct LivePreviewCommandTests {
    static let model = Fixtures.url("models/tiny-sd1").path
    static let generate = ["generate", "--model", model, "--prompt", "a photo of a cat", "--scheduler", "euler-a", "--steps", "4",
                           "--seed", "7", "--width", "64", "--height", "64", "--output", "out.png"]

    static func run(_ extra: [String]) throws -> (status: Int32, stderr: String, directory: URL) {
        let directory = try Fixtures.temporaryDirectory()
        let result = try ConvertCommandTests.retouch(generate + extra, in: directory)
        return (result.status, result.stderr, directory)
    }

    @Test("previews leave the image bit for bit as without them, and the preview is a valid PNG", arguments: [
        ["--preview-every", "1"], ["--preview-every", "2", "--preview-decoder", "approx"],
        ["--preview-every", "1", "--decoder", "taesd:" + Fixtures.url("taesd/tiny-taesd").path, "--preview-decoder", "taesd"],
        ["--preview-every", "3", "--preview-decoder", "taesd:" + Fixtures.url("taesd/original/taesd_decoder.safetensors").path],
    ])
    func previewsNeverChangeTheResult(flags: [String]) throws {
        let decoderFlags = flags.contains("--decoder") ? Array(flags[2...3]) : []
        let plain = try Self.run(decoderFlags)
        let previewed = try Self.run(flags)
        #expect(plain.status == 0 && previewed.status == 0, "\(plain.stderr) \(previewed.stderr)")
        let a = try ImageIO.read(plain.directory.appendingPathComponent("out.png"))
        let b = try ImageIO.read(previewed.directory.appendingPathComponent("out.png"))
        #expect(a.pixels == b.pixels)
        #expect(try Data(contentsOf: plain.directory.appendingPathComponent("out.png")) ==
                Data(contentsOf: previewed.directory.appendingPathComponent("out.png")))
        let previewURL = previewed.directory.appendingPathComponent("out.preview.png")
        let preview = try ImageIO.read(previewURL)
        let isTAESD = flags.contains { $0.hasPrefix("taesd") }
        #expect(preview.width == (isTAESD ? 64 : 8) && preview.height == (isTAESD ? 64 : 8) && preview.channels == 3)
        #expect(try Data(contentsOf: previewURL).prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        // Only the output and its preview: the atomic writes leave no temporary file behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: previewed.directory.path).sorted() == ["out.png", "out.preview.png"])
        #expect(!FileManager.default.fileExists(atPath: plain.directory.appendingPathComponent("out.preview.png").path))
    }

    @Test("the preview interval and decoder are validated, naming the flag", arguments: [
        (["--preview-every", "0"], "--preview-every must be at least 1"),
        (["--preview-every", "-2"], "--preview-every must be at least 1"),
        (["--preview-every", "1", "--preview-decoder", "full"], "--preview-decoder must be approx, taesd or taesd:PATH"),
        (["--preview-decoder", "approx"], "--preview-decoder needs --preview-every"),
    ])
    func validation(flags: [String], message: String) throws {
        let result = try Self.run(flags)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: result.directory.appendingPathComponent("out.png").path))
    }

    @Test("--preview-decoder taesd without a TAESD is an error saying where one comes from")
    func taesdPreviewNeedsATAESD() throws {
        let result = try Self.run(["--preview-every", "1", "--preview-decoder", "taesd"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("--preview-decoder taesd needs a TAESD"), "\(result.stderr)")
    }
}

/// Series commands write their previews to `preview.png` in the output folder, and the series is unchanged.
@Suite("Live previews (series)")
struct SeriesPreviewCommandTests {
    @Test("variations --preview-every 1 leaves preview.png beside the same variations")
    func variations() throws {
        let arguments = ["variations", Fixtures.url("pipelines/inputs/coffee-64.png").path, "--model", Fixtures.url("models/tiny-sd1").path,
                         "--count", "2", "--strength", "0.5", "--output", "variations", "--prompt", "a cat", "--steps", "2",
                         "--seed", "3", "--scheduler", "ddim"]
        let plain = try Fixtures.temporaryDirectory(), previewed = try Fixtures.temporaryDirectory()
        #expect(try ConvertCommandTests.retouch(arguments, in: plain).status == 0)
        let result = try ConvertCommandTests.retouch(arguments + ["--preview-every", "1"], in: previewed)
        #expect(result.status == 0, "\(result.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: previewed.appendingPathComponent("variations").path).sorted()
        #expect(files == ["coffee-64-3.png", "coffee-64-4.png", "contact-sheet.png", "preview.png"])
        #expect(try ImageIO.read(previewed.appendingPathComponent("variations/preview.png")).width == 8)
        for name in ["coffee-64-3.png", "coffee-64-4.png"] {
            #expect(try ImageIO.read(plain.appendingPathComponent("variations/" + name)).pixels ==
                    ImageIO.read(previewed.appendingPathComponent("variations/" + name)).pixels)
        }
    }
}
