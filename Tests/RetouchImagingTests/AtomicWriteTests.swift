import Foundation
import Testing
import RetouchImaging
import RetouchTestSupport

/// Atomic writes: a finished write leaves exactly the output file; a failed one leaves no partial or
/// temporary file and an existing file byte-for-byte untouched.
struct AtomicWriteTests {
    static let image = Image(width: 8, height: 6, channels: 3, fill: 0.25)

    @Test("a successful write leaves only the output file, replacing an existing one", arguments: ["png", "jpg", "tif"])
    func successLeavesNoTemporaryFile(ext: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        let url = directory.appendingPathComponent("out.\(ext)")
        try Data("old contents".utf8).write(to: url)
        try ImageIO.write(Self.image, to: url)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.\(ext)"])
        #expect(try ImageIO.read(url).width == 8)
    }

    @Test("a failed write leaves an existing file untouched and no temporary file", arguments: [
        ("out.png", ImageWriteOptions(text: ["": "empty key"])),
        ("out.jpg", ImageWriteOptions(jpegQuality: 101)),
        ("out.gif", ImageWriteOptions()),
    ])
    func failureKeepsExistingFile(file: String, options: ImageWriteOptions) throws {
        let directory = try Fixtures.temporaryDirectory()
        let url = directory.appendingPathComponent(file)
        let original = Data("precious bytes".utf8)
        try original.write(to: url)
        #expect(throws: ImageError.self) { try ImageIO.write(Self.image, to: url, options: options) }
        #expect(try Data(contentsOf: url) == original)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == [file])
    }

    @Test("writing into a missing directory fails with a clear error and creates nothing")
    func missingDirectory() throws {
        let directory = try Fixtures.temporaryDirectory()
        let url = directory.appendingPathComponent("no-such-dir/out.png")
        do {
            try ImageIO.write(Self.image, to: url)
            Issue.record("write should fail")
        } catch let error as ImageError {
            #expect(error.file == url.path)
            #expect(error.problem.contains("cannot create a temporary file"), "\(error)")
            #expect(error.problem.contains("No such file or directory"), "\(error)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("writing over a directory fails and leaves no temporary file")
    func destinationIsDirectory() throws {
        let directory = try Fixtures.temporaryDirectory()
        let url = directory.appendingPathComponent("taken.png")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        #expect(throws: ImageError.self) { try ImageIO.write(Self.image, to: url) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["taken.png"])
    }
}
