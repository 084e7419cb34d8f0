import Testing
import RetouchImaging

/// Colour correction moves a repainted area's colour statistics to its surroundings; contact sheets lay images out
/// in a grid.
struct ColorCorrectionAndSheetTests {
    @Test("CIELAB round trip is exact to 1e-6")
    func labRoundTrip() {
        for rgb in [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.2, 0.5, 0.9], [0.9, 0.1, 0.3]] {
            let back = ColorSpace.rgb(fromLab: ColorSpace.lab(fromRGB: rgb))
            for c in 0..<3 { #expect(abs(back[c] - rgb[c]) < 1e-6) }
        }
    }

    @Test("a repainted patch that drifted warmer is pulled back to its surroundings' colour; pixels outside stay")
    func driftCorrected() {
        let width = 32, height = 32
        var reference = Image(width: width, height: height, channels: 3, fill: 0)
        for i in 0..<(width * height) {
            let wobble = Float((i * 7) % 13) / 130
            reference.pixels[i * 3] = 0.3 + wobble; reference.pixels[i * 3 + 1] = 0.5 + wobble; reference.pixels[i * 3 + 2] = 0.6 + wobble
        }
        var region = Mask(width: width, height: height)
        for y in 8..<24 { for x in 8..<24 { region[x, y] = 1 } }
        var drifted = reference
        for y in 8..<24 { for x in 8..<24 { drifted.pixels[(y * width + x) * 3] += 0.2; drifted.pixels[(y * width + x) * 3 + 2] -= 0.1 } }
        let corrected = drifted.colorCorrected(region: region, toMatch: reference, referenceRegion: region.inverted())
        func meanRed(_ image: Image) -> Float {
            var s: Float = 0
            for y in 8..<24 { for x in 8..<24 { s += image[x, y, 0] } }
            return s / 256
        }
        #expect(abs(meanRed(corrected) - meanRed(reference)) < 0.02, "red \(meanRed(corrected)) vs \(meanRed(reference))")
        #expect(abs(meanRed(drifted) - meanRed(reference)) > 0.15)
        #expect(corrected[2, 2, 0] == drifted[2, 2, 0])
    }

    @Test("a contact sheet puts image i at row i / columns, column i % columns, with gaps")
    func contactSheetLayout() {
        let images = (0..<5).map { Image(width: 10, height: 6, channels: 3, fill: Float($0) / 10) }
        let sheet = ContactSheet.make(images, columns: 3, gap: 2, background: 1)
        #expect(sheet.width == 3 * 10 + 4 * 2 && sheet.height == 2 * 6 + 3 * 2)
        #expect(sheet[0, 0, 0] == 1)
        #expect(sheet[2, 2, 0] == 0)                   // image 0
        #expect(sheet[2 + 2 * 12, 2, 0] == 0.2)        // image 2: third column
        #expect(sheet[2 + 12, 2 + 8, 0] == 0.4)        // image 4: second row, second column
        #expect(sheet[2 + 2 * 12, 2 + 8, 0] == 1)      // no sixth image
    }
}
