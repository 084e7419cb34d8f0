import Foundation
import RetouchImaging

extension Image {
    /// Peak signal-to-noise ratio, in dB, of the two images' 8-bit values (each sample rounded from `x · 255`),
    /// compared as RGB (infinite when identical). Both must have the same size.
    public func psnr(_ reference: Image) -> Double {
        let a = converted(toChannels: 3).pixels, b = reference.converted(toChannels: 3).pixels
        precondition(a.count == b.count, "PSNR of images of different sizes")
        var squared = 0.0
        for (x, y) in zip(a, b) {
            let difference = Double((x * 255).rounded() - (y * 255).rounded())
            squared += difference * difference
        }
        return squared == 0 ? .infinity : 10 * log10(255 * 255 / (squared / Double(a.count)))
    }
}
