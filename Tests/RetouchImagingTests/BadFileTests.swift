import Foundation
import Testing
import RetouchImaging
import RetouchTestSupport

/// Damaged, truncated, empty, mislabelled and hostile files give an `ImageError` naming the file and the
/// problem; none crashes or prints library chatter.
struct BadFileTests {
    @Test("each bad file is refused with a meaningful message", arguments: [
        ("zero-byte.png", "the file is empty"),
        ("zero-byte.jpg", "the file is empty"),
        ("zero-byte.tif", "the file is empty"),
        ("truncated.png", "damaged or unsupported PNG file: the file is truncated"),
        ("truncated.jpg", "damaged or unsupported JPEG file: the file is truncated"),
        ("truncated-header.jpg", "the file is truncated"),
        ("truncated.tif", "damaged or unsupported TIFF file"),
        ("not-an-image.png", "not a PNG, JPEG or TIFF file"),
        ("gif-named.png", "GIF images are not supported"),
        ("bad-crc.png", "IHDR: CRC error"),
        ("damaged-idat.png", "IDAT: invalid"),
        ("huge-dimensions.png", "image is 100000x100000 pixels (10000 megapixels), over the limit of 100 megapixels"),
        ("huge-dimensions.jpg", "image is 60000x60000 pixels (3600 megapixels), over the limit of 100 megapixels"),
        ("huge-dimensions.tif", "image is 100000x100000 pixels (10000 megapixels), over the limit of 100 megapixels"),
    ])
    func refused(file: String, message: String) throws {
        let url = Fixtures.url("bad-files/images/\(file)")
        do {
            let image = try ImageIO.read(url)
            Issue.record("\(file) decoded as \(image.width)x\(image.height)")
        } catch let error as ImageError {
            #expect(error.file == url.path)
            #expect(error.problem.contains(message), "\(error)")
        }
    }

    @Test("a missing file and a directory are reported, not crashed on")
    func missingAndDirectory() throws {
        let missing = Fixtures.url("bad-files/images/does-not-exist.png")
        #expect(throws: ImageError(file: missing.path, problem: "cannot open: No such file or directory")) {
            try ImageIO.read(missing)
        }
        let directory = Fixtures.url("bad-files/images")
        #expect(throws: ImageError(file: directory.path, problem: "is a folder, not a regular image")) {
            try ImageIO.read(directory)
        }
    }

    @Test("every truncation point of a PNG, JPEG and TIFF fails cleanly or decodes", arguments: [
        "png/interlaced-rgb8.png", "jpeg/progressive.jpg", "tiff/rgb8.tif",
    ])
    func everyTruncation(name: String) throws {
        let bytes = try Data(contentsOf: Reference.url(name))
        let directory = try Fixtures.temporaryDirectory()
        let url = directory.appendingPathComponent("cut")
        var failures = 0
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
            try bytes.prefix(length).write(to: url)
            do { _ = try ImageIO.read(url) } catch is ImageError { failures += 1 }
        }
        #expect(failures > 0)
    }
}
