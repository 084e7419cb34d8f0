import Foundation
import Testing
import RetouchImaging
import RetouchTestSupport

/// EXIF orientation: phone photos come out upright. Each fixture stores the same asymmetric 32×16 pattern
/// transformed for its orientation tag; decoding must undo it.
struct ExifOrientationTests {
    @Test("every orientation yields the upright 32x16 pattern", arguments: [
        "orientation-1", "orientation-2", "orientation-3", "orientation-4", "orientation-5", "orientation-6",
        "orientation-7", "orientation-8", "orientation-6-big-endian",
    ])
    func upright(name: String) throws {
        let image = try ImageIO.read(Reference.url("jpeg/\(name).jpg"))
        let pattern = try NumpyArray(fixture: "images/jpeg/orientation-upright.npy")
        #expect(image.width == 32 && image.height == 16)
        #expect(image.channels == 3)
        let difference = Reference.maxDifference8(image, pattern)
        #expect(difference <= 12, "max difference \(difference) of 255")
    }

    @Test("the tag is parsed from little- and big-endian EXIF", arguments: [
        ([0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0] as [UInt8], ExifOrientation?.some(.right)),
        ([0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0], .left),
        ([0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 9, 0, 0, 0], nil),  // out of range
        ([0x49, 0x49, 42, 0, 200, 0, 0, 0], nil),                                            // IFD past the end
        ([0x49, 0x49, 42, 0, 8, 0, 0, 0, 5, 0, 0x12, 0x01], nil),                            // truncated entries
        ([0x58, 0x58, 42, 0, 8, 0, 0, 0], nil),                                              // bad byte order
    ])
    func parsesTag(bytes: [UInt8], expected: ExifOrientation?) {
        let orientation = bytes.withUnsafeBufferPointer { ExifOrientation(exif: $0) }
        #expect(orientation == expected)
    }

    @Test("orienting a 3x2 image moves each pixel where the spec says", arguments: [
        (ExifOrientation.up, 3, 2, [0, 1, 2, 3, 4, 5] as [Float]),
        (.upMirrored, 3, 2, [2, 1, 0, 5, 4, 3]),
        (.down, 3, 2, [5, 4, 3, 2, 1, 0]),
        (.downMirrored, 3, 2, [3, 4, 5, 0, 1, 2]),
        (.leftMirrored, 2, 3, [0, 3, 1, 4, 2, 5]),
        (.right, 2, 3, [3, 0, 4, 1, 5, 2]),
        (.rightMirrored, 2, 3, [5, 2, 4, 1, 3, 0]),
        (.left, 2, 3, [2, 5, 1, 4, 0, 3]),
    ])
    func transforms(orientation: ExifOrientation, width: Int, height: Int, expected: [Float]) {
        // Stored:  0 1 2
        //          3 4 5
        let stored = Image(width: 3, height: 2, channels: 1, pixels: [0, 1, 2, 3, 4, 5])
        let upright = stored.oriented(orientation)
        #expect(upright.width == width && upright.height == height)
        #expect(upright.pixels == expected)
    }
}
