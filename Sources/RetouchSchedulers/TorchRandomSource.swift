import Foundation

/// Reproduces `torch.Generator("cpu").manual_seed(seed)` followed by `torch.randn(..., dtype=torch.float32)`.
///
/// Upstream algorithm (PyTorch ATen, CPU):
/// - the engine is a 32-bit Mersenne Twister (mt19937) whose state is initialised from the seed's low 32 bits;
/// - a float uniform is `(next32 & (2²⁴ − 1)) · 2⁻²⁴`; a double uniform uses 53 bits of two 32-bit draws;
/// - `randn` of **16 or more** float32 elements (`normal_fill`) first fills the whole tensor with float uniforms,
///   then turns each block of 16 into normals by Box–Muller (`normal_fill_16`: for j in 0..<8,
///   `r = √(−2 ln(1 − u[j]))`, `θ = 2π u[j+8]`, `x[j] = r cos θ`, `x[j+8] = r sin θ`); when the size is not a
///   multiple of 16, the last 16 elements are drawn again and recomputed;
/// - fewer than 16 elements use the scalar double path (`normal_distribution<double>`): two double uniforms
///   `u1, u2`, `r = √(−2 log1p(−u2))`, `θ = 2π u1`, returning `r cos θ` and caching `r sin θ` for the next draw.
///
/// PyTorch's vectorised kernels evaluate log/sin/cos with SLEEF, so individual values can differ from these by
/// an ulp or two; they are otherwise the same stream.
public struct TorchRandomSource: RandomSource {
    private var engine: MersenneTwister
    private var cachedNormal: Double?

    /// Seeds the generator as `manual_seed(seed)` does.
    public init(seed: UInt64) {
        engine = MersenneTwister(seed: UInt32(truncatingIfNeeded: seed))
    }

    public mutating func normal(count: Int) -> [Float] {
        guard count > 0 else { return [] }
        if count < 16 { return (0..<count).map { _ in Float(scalarNormal()) } }
        var data = (0..<count).map { _ in floatUniform() }
        for start in stride(from: 0, to: count - 15, by: 16) { boxMuller16(&data, at: start) }
        if count % 16 != 0 {
            let start = count - 16
            for i in start..<count { data[i] = floatUniform() }
            boxMuller16(&data, at: start)
        }
        return data
    }

    private mutating func floatUniform() -> Float {
        Float(engine.next() & 0xFF_FFFF) * (1.0 / 16_777_216.0)
    }

    private mutating func doubleUniform() -> Double {
        let high = UInt64(engine.next()), low = UInt64(engine.next())
        let value = (high << 32) | low
        return Double(value & ((1 << 53) - 1)) * (1.0 / 9_007_199_254_740_992.0)
    }

    private mutating func scalarNormal() -> Double {
        if let cached = cachedNormal {
            cachedNormal = nil
            return cached
        }
        let u1 = doubleUniform(), u2 = doubleUniform()
        let radius = (-2 * log1p(-u2)).squareRoot()
        let theta = 2 * Double.pi * u1
        cachedNormal = radius * sin(theta)
        return radius * cos(theta)
    }

    private func boxMuller16(_ data: inout [Float], at start: Int) {
        for j in 0..<8 {
            let u1 = 1 - data[start + j]
            let u2 = data[start + j + 8]
            let radius = (-2 * logf(u1)).squareRoot()
            let theta = 2 * Float.pi * u2
            data[start + j] = radius * cosf(theta)
            data[start + j + 8] = radius * sinf(theta)
        }
    }
}

/// The 32-bit Mersenne Twister (MT19937), as `std::mt19937` and PyTorch's CPU generator define it.
struct MersenneTwister: Sendable {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
    }

    mutating func next() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func twist() {
        for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
            var next = state[(i + 397) % 624] ^ (y >> 1)
            if y & 1 != 0 { next ^= 0x9908_B0DF }
            state[i] = next
        }
        index = 0
    }
}
