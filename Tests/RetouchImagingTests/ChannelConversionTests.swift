import Testing
import RetouchImaging

/// Channel conversion: gray and RGB into each other (Rec. 601 luma), alpha added opaque or dropped.
struct ChannelConversionTests {
    static let rgba = Image(width: 2, height: 1, channels: 4, pixels: [1, 0, 0, 0.5, 0.2, 0.4, 0.6, 1], bitDepth: 16)

    static let luma: Float = 0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6
    static let fromRGBACases: [(Int, [Float])] = [
        (3, [1, 0, 0, 0.2, 0.4, 0.6]),
        (1, [0.299, luma]),
        (2, [0.299, 0.5, luma, 1]),
        (4, [1, 0, 0, 0.5, 0.2, 0.4, 0.6, 1]),
    ]

    @Test("RGBA converts to every layout", arguments: fromRGBACases)
    func fromRGBA(to: Int, expected: [Float]) {
        let converted = Self.rgba.converted(toChannels: to)
        #expect(converted.channels == to)
        #expect(converted.bitDepth == 16)
        #expect(zip(converted.pixels, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "\(converted.pixels)")
    }

    static let fromGrayCases: [(Int, [Float])] = [
        (3, [0.25, 0.25, 0.25, 0.75, 0.75, 0.75]),
        (4, [0.25, 0.25, 0.25, 1, 0.75, 0.75, 0.75, 1]),
        (2, [0.25, 1, 0.75, 1]),
    ]

    @Test("gray expands to RGB and gains opaque alpha", arguments: fromGrayCases)
    func fromGray(to: Int, expected: [Float]) {
        let gray = Image(width: 2, height: 1, channels: 1, pixels: [0.25, 0.75])
        #expect(gray.converted(toChannels: to).pixels == expected)
    }

    @Test("gray+alpha to RGBA keeps alpha")
    func grayAlphaToRGBA() {
        let image = Image(width: 1, height: 1, channels: 2, pixels: [0.5, 0.25])
        #expect(image.converted(toChannels: 4).pixels == [0.5, 0.5, 0.5, 0.25])
    }
}
