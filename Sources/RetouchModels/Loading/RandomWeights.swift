import RetouchTensor

/// Seeded random weights of whatever shape the model asks for: benchmarks build full-size networks through the
/// same loading path as real checkpoints, with no files. Values are uniform in ±1/sqrt(fan-in) (PyTorch's default
/// initialisation scale), so activations stay finite; norm weights are drawn around 1.
public struct RandomWeights: WeightSource {
    /// The seed every tensor's values derive from (with its name).
    public let seed: UInt64

    /// Creates a source.
    public init(seed: UInt64 = 0) { self.seed = seed }

    public var origin: String { "random weights (seed \(seed))" }
    public var tensorNames: Set<String> { [] }
    public var isExhaustive: Bool { false }
    public func shape(of name: String) -> [Int]? { nil }

    public func tensor(_ name: String) throws -> Tensor {
        throw ModelLoadingError(origin: origin, key: name, problem: "random weights need the expected shape")
    }

    public func tensor(_ name: String, expectedShape shape: [Int]) throws -> Tensor {
        let isNorm = name.contains("norm") && name.hasSuffix(".weight") && shape.count == 1
        let fanIn = shape.count > 1 ? shape.dropFirst().reduce(1, *) : shape.first ?? 1
        let bound = isNorm ? Float(0.1) : 1 / Float(max(fanIn, 1)).squareRoot()
        let center: Float = isNorm ? 1 : 0
        let start = seed ^ name.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        return Tensor(shape: shape) { out in
            // SplitMix64 is counter-based (value i mixes start + (i + 1)·γ), so ranges fill in parallel with the
            // values a single loop gives.
            let base = out.baseAddress!
            Parallel.forRanges(out.count, costPerItem: 16) { range in
                var state = start &+ UInt64(range.lowerBound) &* 0x9E37_79B9_7F4A_7C15
                for i in range {
                    state &+= 0x9E37_79B9_7F4A_7C15
                    var z = state
                    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                    z ^= z >> 31
                    let unit = Float(z >> 40) / Float(1 << 24)
                    base[i] = center + bound * (2 * unit - 1)
                }
            }
        }
    }
}
