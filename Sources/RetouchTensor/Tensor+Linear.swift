import RetouchChecks
extension Tensor {
    /// PyTorch's `linear`: `[..., in]` times `weight [out, in]` transposed, plus optional `bias [out]`.
    public func linear(weight: Tensor, bias: Tensor? = nil) -> Tensor {
        require(weight.rank == 2, "linear weight must be [out, in], got \(weight.shape)")
        let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
        require(shape.last == inFeatures, "linear weight \(weight.shape) does not take input \(shape)")
        let rows = count / inFeatures
        var output = Tensor(shape: Array(shape.dropLast()) + [outFeatures], repeating: 0)
        if let bias { output.fillRows(with: bias) }
        withUnsafeBufferPointer { x in
            weight.withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { out in
                    GEMM.multiply(.plain, .transposed, m: rows, n: outFeatures, k: inFeatures,
                                  a: x.baseAddress!, lda: inFeatures, b: w.baseAddress!, ldb: inFeatures,
                                  beta: bias == nil ? 0 : 1, c: out.baseAddress!, ldc: outFeatures)
                }
            }
        }
        return output
    }

    /// Sets every row (last dimension) to `bias`.
    mutating func fillRows(with bias: Tensor) {
        let width = shape.last ?? 0
        require(bias.count == width, "linear bias \(bias.shape) for \(width) outputs")
        let rows = width == 0 ? 0 : count / width
        withUnsafeMutableBufferPointer { out in
            bias.withUnsafeBufferPointer { b in
                for r in 0..<rows { (out.baseAddress! + r * width).update(from: b.baseAddress!, count: width) }
            }
        }
    }

    /// Matrix product of the last two dimensions: `[..., m, k] x [k, n] -> [..., m, n]`.
    public func matmul(_ other: Tensor) -> Tensor {
        require(other.rank == 2 && shape.last == other.shape[0], "matmul \(shape) x \(other.shape)")
        let (k, n) = (other.shape[0], other.shape[1])
        let rows = count / k
        var output = Tensor(shape: Array(shape.dropLast()) + [n], repeating: 0)
        withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                output.withUnsafeMutableBufferPointer { c in
                    GEMM.multiply(m: rows, n: n, k: k, a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: n,
                                  c: c.baseAddress!, ldc: n)
                }
            }
        }
        return output
    }
}
