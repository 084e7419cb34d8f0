import Foundation
import RetouchTensor

/// diffusers' sinusoidal `Timesteps` followed by `TimestepEmbedding` (linear → SiLU → linear), with the optional
/// `cond_proj` of distilled LCM UNets: a bias-free linear map of the timestep condition (the guidance embedding)
/// added to the sinusoidal features before `linear_1`, as diffusers' `TimestepEmbedding.forward` does.
struct TimestepEmbedding: Sendable {
    let channels: Int
    let flipSinToCos: Bool
    let freqShift: Float
    let linear1: LinearLayer, linear2: LinearLayer
    /// `time_embedding.cond_proj`: `[conditionDim] → [channels]`, no bias; nil without `time_cond_proj_dim`.
    let conditionProjection: LinearLayer?

    init(_ loader: inout WeightLoader, channels: Int, embeddingDim: Int, flipSinToCos: Bool, freqShift: Float,
         conditionDim: Int? = nil) throws {
        self.channels = channels
        self.flipSinToCos = flipSinToCos
        self.freqShift = freqShift
        conditionProjection = try conditionDim.map { dim in
            try loader.scope("time_embedding.cond_proj") { try LinearLayer(&$0, inFeatures: dim, outFeatures: channels, hasBias: false) }
        }
        linear1 = try loader.scope("time_embedding.linear_1") { try LinearLayer(&$0, inFeatures: channels, outFeatures: embeddingDim) }
        linear2 = try loader.scope("time_embedding.linear_2") { try LinearLayer(&$0, inFeatures: embeddingDim, outFeatures: embeddingDim) }
    }

    /// diffusers' `get_timestep_embedding` in float32: `[sin(t·f), cos(t·f)]` (swapped when flipped),
    /// with `f_i = exp(−ln(10000) · i / (half − shift))`.
    static func sinusoidal(_ timesteps: [Float], channels: Int, flipSinToCos: Bool, freqShift: Float) -> Tensor {
        let half = channels / 2
        let frequencies = (0..<half).map { i -> Float in
            let exponent = -Float(log(10000.0)) * Float(i) / (Float(half) - freqShift)
            return Foundation.exp(exponent)
        }
        var values = [Float](repeating: 0, count: timesteps.count * channels)
        for (row, t) in timesteps.enumerated() {
            for i in 0..<half {
                let angle = t * frequencies[i]
                let (first, second) = flipSinToCos ? (Foundation.cos(angle), Foundation.sin(angle)) : (Foundation.sin(angle), Foundation.cos(angle))
                values[row * channels + i] = first
                values[row * channels + half + i] = second
            }
        }
        return Tensor(shape: [timesteps.count, channels], scalars: values)
    }

    /// `[N]` timesteps (and, for a UNet with `cond_proj`, an optional `[N, conditionDim]` condition) →
    /// `[N, embeddingDim]`, already passed through the SiLU every ResNet applies to it.
    func callAsFunction(_ timesteps: [Float], condition: Tensor? = nil) -> Tensor {
        var embedding = Self.sinusoidal(timesteps, channels: channels, flipSinToCos: flipSinToCos, freqShift: freqShift)   // [N, C0]
        if let condition, let conditionProjection {
            embedding = embedding + conditionProjection(condition)                                                       // [N, C0]
        }
        return linear2(linear1(embedding).activated(.silu)).activated(.silu)
    }
}
