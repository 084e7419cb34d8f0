import RetouchChecks
/// Elementwise arithmetic. Each op is one parallel loop over contiguous storage.
extension Tensor {
    /// Applies `transform` to every pair of elements of two equally shaped tensors.
    @inlinable
    func zipMap(_ other: Tensor, _ transform: @escaping (Float, Float) -> Float) -> Tensor {
        require(shape == other.shape, "shape mismatch \(shape) vs \(other.shape)")
        return Tensor(shape: shape) { out in
            self.withUnsafeBufferPointer { a in
                other.withUnsafeBufferPointer { b in
                    let o = out
                    Parallel.forRanges(a.count, costPerItem: 1) { range in
                        for i in range { o[i] = transform(a[i], b[i]) }
                    }
                }
            }
        }
    }

    /// Applies `transform` to every element.
    @inlinable
    public func map(_ transform: @escaping (Float) -> Float) -> Tensor {
        Tensor(shape: shape) { out in
            self.withUnsafeBufferPointer { a in
                let o = out
                Parallel.forRanges(a.count, costPerItem: 1) { range in
                    for i in range { o[i] = transform(a[i]) }
                }
            }
        }
    }

    /// Elementwise sum.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, +) }
    /// Elementwise difference.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, -) }
    /// Elementwise product.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, *) }
    /// Every element multiplied by a scalar.
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 * rhs } }
    /// Every element multiplied by a scalar.
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { $0 * lhs } }
    /// Every element plus a scalar.
    public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 + rhs } }

    /// `a * self + b * other`, the update most scheduler steps are made of.
    public func linearCombination(_ a: Float, _ b: Float, _ other: Tensor) -> Tensor {
        zipMap(other) { a * $0 + b * $1 }
    }

    /// Adds `other` into `self` in place.
    public mutating func add(_ other: Tensor) {
        require(shape == other.shape, "shape mismatch \(shape) vs \(other.shape)")
        withUnsafeMutableBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                let a = a
                Parallel.forRanges(a.count, costPerItem: 1) { range in
                    for i in range { a[i] += b[i] }
                }
            }
        }
    }

    /// The largest absolute value (0 for an empty tensor).
    public var maxAbs: Float { scalars.reduce(0) { max($0, abs($1)) } }
}
