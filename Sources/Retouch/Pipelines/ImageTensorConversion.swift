import RetouchImaging
import RetouchTensor
import RetouchChecks

/// Conversions between images and the tensors the VAE reads and writes, as diffusers' `VaeImageProcessor` does.
public enum ImageTensorConversion {
    /// An RGB image as `[1, 3, H, W]` in `[-1, 1]` (`2·x − 1`); gray is expanded and alpha dropped.
    public static func tensor(from image: Image) -> Tensor {
        let rgb = image.converted(toChannels: 3)
        let plane = rgb.width * rgb.height
        return Tensor(shape: [1, 3, rgb.height, rgb.width]) { out in
            for index in 0..<plane {
                for c in 0..<3 { out[c * plane + index] = rgb.pixels[index * 3 + c] * 2 - 1 }
            }
        }
    }

    /// A decoded `[1, 3, H, W]` tensor as an 8-bit RGB image: `clamp(x/2 + 0.5, 0, 1)`, then rounded to
    /// 1/255 steps as diffusers' `numpy_to_pil` does (`round(x · 255)`), so saved pixels match its output.
    public static func image(from tensor: Tensor, batchIndex: Int = 0) -> Image {
        require(tensor.rank == 4 && tensor.shape[1] == 3, "expected [N, 3, H, W], got \(tensor.shape)")
        let (height, width) = (tensor.shape[2], tensor.shape[3])
        let plane = width * height
        let base = batchIndex * 3 * plane
        var pixels = [Float](repeating: 0, count: plane * 3)
        for index in 0..<plane {
            for c in 0..<3 {
                let value = min(max(tensor.scalars[base + c * plane + index] / 2 + 0.5, 0), 1)
                pixels[index * 3 + c] = (value * 255).rounded(.toNearestOrEven) / 255
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: pixels, bitDepth: 8)
    }

    /// A mask as `[1, 1, H, W]` with values in `[0, 1]`.
    public static func tensor(from mask: Mask) -> Tensor {
        Tensor(shape: [1, 1, mask.height, mask.width], scalars: mask.values)
    }
}
