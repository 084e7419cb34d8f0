import Foundation
import Testing
import RetouchTestSupport

/// `retouch convert`, run as a user would: output files, stderr text and exit codes.
struct ConvertCommandTests {
    /// The `retouch` executable in the build products folder that holds the test bundle.
    static var executable: URL {
        let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
            .map { $0.appendingPathComponent("retouch") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// Runs `retouch convert ARGS` in `directory`; returns the exit status and standard error.
    static func convert(_ arguments: [String], in directory: URL) throws -> (status: Int32, stderr: String) {
        try retouch(["convert"] + arguments, in: directory)
    }

    /// Runs `retouch ARGS` in `directory`; returns the exit status and standard error.
    static func retouch(_ arguments: [String], in directory: URL) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test("converts and resizes, exiting 0 with nothing on stderr")
    func converts() throws {
        let directory = try Fixtures.temporaryDirectory()
        let input = Fixtures.url("photos/coffee.png").path
        let result = try Self.convert([input, "small.jpg", "--scale", "0.5", "--quality", "80"], in: directory)
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("small.jpg").path))
    }

    @Test("creates the output's folder when it does not exist yet")
    func createsOutputFolder() throws {
        let directory = try Fixtures.temporaryDirectory()
        let input = Fixtures.url("photos/coffee.png").path
        let result = try Self.convert([input, "out/nested/small.png", "--scale", "0.25"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("out/nested/small.png").path))
    }

    @Test("file problems print 'error: <file>: <problem>' and exit 1", arguments: [
        (["images/png/rgb8.png", "out.bmp"], "error: out.bmp: cannot tell the output format from extension '.bmp'"),
        (["bad-files/images/truncated.png", "out.png"], ": damaged or unsupported PNG file: the file is truncated"),
        (["bad-files/images/huge-dimensions.jpg", "out.png"], "over the limit of 100 megapixels"),
    ])
    func fileErrors(arguments: [String], message: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        let input = Fixtures.url(arguments[0]).path
        let result = try Self.convert([input, arguments[1]], in: directory)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("refuses to overwrite its input, however the path is spelled", arguments: ["in.png", "./in.png", "link.png"])
    func refusesInput(output: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        let input = directory.appendingPathComponent("in.png")
        try FileManager.default.copyItem(at: Fixtures.url("images/png/rgb8.png"), to: input)
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("link.png").path,
                                                   withDestinationPath: "in.png")
        let before = try Data(contentsOf: input)
        let result = try Self.convert(["in.png", output], in: directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: \(output): is the input file"), "\(result.stderr)")
        #expect(try Data(contentsOf: input) == before)
    }

    @Test("ignored TIFF pages are reported on stderr as a warning")
    func tiffPagesWarning() throws {
        let directory = try Fixtures.temporaryDirectory()
        let result = try Self.convert([Fixtures.url("images/tiff/multipage.tif").path, "first.png"], in: directory)
        #expect(result.status == 0)
        #expect(result.stderr.hasPrefix("warning: "), "\(result.stderr)")
        #expect(result.stderr.contains("has 3 pages; only the first was read"))
    }

    @Test("bad option values are usage errors", arguments: [
        ["--resize", "10x"], ["--resize", "100x100", "--scale", "2"], ["--quality", "0"], ["--bit-depth", "12"],
        ["--filter", "cubic"], ["--scale", "-1"],
    ])
    func usageErrors(options: [String]) throws {
        let directory = try Fixtures.temporaryDirectory()
        let result = try Self.convert([Fixtures.url("images/png/rgb8.png").path, "out.png"] + options, in: directory)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}
