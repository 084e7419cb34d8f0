import Testing
import RetouchImaging

/// Images and masks refuse samples that do not fill them, in release builds too (which compile with
/// `-Ounchecked` and so drop `precondition`), instead of indexing past their storage later.
struct ImageRequireTests {
    @Test("an image with too few samples stops the process")
    func shortImage() async {
        await #expect(processExitsWith: .failure) {
            _ = Image(width: 4, height: 4, channels: 3, pixels: [Float](repeating: 0, count: 47))
        }
    }

    @Test("a mask with too few values stops the process")
    func shortMask() async {
        await #expect(processExitsWith: .failure) {
            _ = Mask(width: 4, height: 4, values: [Float](repeating: 0, count: 15))
        }
    }
}
