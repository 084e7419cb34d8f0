import Foundation
import RetouchChecks
import RetouchTensor

/// The guidance-scale embedding a distilled LCM UNet takes as its timestep condition (diffusers'
/// `get_guidance_scale_embedding`, after VDM): for each `w`, `[sin(1000·w·f), cos(1000·w·f)]` over
/// `f_i = exp(−i · ln(10000) / (half − 1))`, `i < half = dim / 2`, with a zero appended when `dim` is odd;
/// computed in float32 in diffusers' order of operations.
///
/// diffusers' pipelines pass `w = guidance_scale − 1` (the Imagen formulation of guidance, as
/// `StableDiffusionPipeline` uses), so guidance 1 is `w = 0`.
public enum GuidanceEmbedding {
    /// `w` for a guidance scale: `guidance − 1`.
    public static func weight(guidance: Float) -> Float { guidance - 1 }

    /// `[ws.count, dimension]` embeddings of the weights `ws` (`dimension` ≥ 4, see `UNetConfig.timeConditionDims`).
    public static func embedding(_ ws: [Float], dimension: Int) -> Tensor {
        require(dimension >= 4, "guidance embedding width must be at least 4, got \(dimension)")
        let half = dimension / 2
        let step = Float(log(10000.0)) / Float(half - 1)                         // torch.log(tensor(10000.)) / (half − 1)
        let frequencies = (0..<half).map { Foundation.exp(Float($0) * -step) }     // exp(arange(half) · −step)
        var values = [Float](repeating: 0, count: ws.count * dimension)
        for (row, w) in ws.enumerated() {
            let scaled = w * 1000
            for i in 0..<half {
                let angle = scaled * frequencies[i]
                values[row * dimension + i] = Foundation.sin(angle)
                values[row * dimension + half + i] = Foundation.cos(angle)
            }
        }
        return Tensor(shape: [ws.count, dimension], scalars: values)
    }

    /// The embedding of one guidance scale, repeated for a batch of `batch`: `[batch, dimension]`.
    public static func embedding(guidance: Float, dimension: Int, batch: Int = 1) -> Tensor {
        embedding(Array(repeating: weight(guidance: guidance), count: batch), dimension: dimension)
    }
}
