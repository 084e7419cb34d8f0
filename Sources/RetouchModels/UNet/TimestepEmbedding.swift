import Foundation
import RetouchTensor

/// diffusers' sinusoidal `Timesteps` followed by `TimestepEmbedding` (linear → SiLU → linear).
struct TimestepEmbedding: Sendable {
    let channels: Int
    let flipSinToCos: Bool
    let freqShift: Float
    let linear1: LinearLayer, linear2: LinearLayer

    init(_ loader: inout WeightLoader, channels: Int, embeddingDim: Int, flipSinToCos: Bool, freqShift: Float) throws {
        self.channels = channels
        self.flipSinToCos = flipSinToCos
        self.freqShift = freqShift
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

    /// `[N]` timesteps → `[N, embeddingDim]`, already passed through the SiLU every ResNet applies to it.
    func callAsFunction(_ timesteps: [Float]) -> Tensor {
        let embedding = Self.sinusoidal(timesteps, channels: channels, flipSinToCos: flipSinToCos, freqShift: freqShift)
        return linear2(linear1(embedding).activated(.silu)).activated(.silu)
    }
}
