import RetouchTensor

/// How far an actual tensor is from a reference: the figures parity tests assert on.
public struct Closeness: Sendable, CustomStringConvertible {
    /// The largest absolute difference.
    public let maxAbsError: Float
    /// The reference's largest absolute value (its scale).
    public let scale: Float
    /// `maxAbsError / max(scale, 1e-6)`.
    public var relativeError: Float { maxAbsError / max(scale, 1e-6) }

    /// Compares `actual` with `expected`, which must have the same number of elements.
    public init(_ actual: [Float], _ expected: [Float]) {
        precondition(actual.count == expected.count, "compared \(actual.count) values with \(expected.count)")
        var worst: Float = 0
        var scale: Float = 0
        for i in actual.indices {
            let difference = abs(actual[i] - expected[i])
            worst = difference.isNaN ? .infinity : max(worst, difference)
            scale = max(scale, abs(expected[i]))
        }
        self.maxAbsError = worst
        self.scale = scale
    }

    /// Compares two tensors (shapes must agree).
    public init(_ actual: Tensor, _ expected: Tensor) {
        precondition(actual.shape == expected.shape, "shape \(actual.shape) vs expected \(expected.shape)")
        self.init(actual.scalars, expected.scalars)
    }

    /// Whether the error is within `tolerance` of the reference's scale (floored at 1).
    public func isWithin(_ tolerance: Float) -> Bool { maxAbsError <= tolerance * max(scale, 1) }

    /// A one-line report for test failure messages.
    public var description: String { "max abs error \(maxAbsError) at scale \(scale) (relative \(relativeError))" }
}
