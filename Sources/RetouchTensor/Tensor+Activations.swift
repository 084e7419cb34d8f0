import CKernels
import RetouchChecks

/// The activation functions of the SD family's networks.
public enum Activation: String, Sendable, Codable, CaseIterable {
    /// x · sigmoid(x) (`silu`, also called swish).
    case silu
    /// GELU with the exact erf form (`gelu`).
    case gelu
    /// GELU with the tanh approximation (`gelu_pytorch_tanh`, `gelu_new`).
    case geluTanh = "gelu_tanh"
    /// x · sigmoid(1.702 x), CLIP's `quick_gelu`.
    case quickGELU = "quick_gelu"
}

extension Tensor {
    /// Applies an activation elementwise.
    public func activated(_ activation: Activation) -> Tensor {
        let kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
        switch activation {
        case .silu: kernel = rt_silu
        case .gelu: kernel = rt_gelu_erf
        case .geluTanh: kernel = rt_gelu_tanh
        case .quickGELU: kernel = rt_quick_gelu
        }
        return Tensor(shape: shape) { out in
            withUnsafeBufferPointer { x in
                let out = out
                Parallel.forRanges(count, costPerItem: 16) { range in
                    kernel(x.baseAddress! + range.lowerBound, out.baseAddress! + range.lowerBound, range.count)
                }
            }
        }
    }

    /// GEGLU's gate: splits the last dimension in halves `[a, b]` and returns `a * gelu(b)`.
    public func geglu() -> Tensor {
        let doubled = shape[rank - 1]
        require(doubled % 2 == 0, "geglu needs an even last dimension, got \(shape)")
        let half = doubled / 2
        let rows = count / doubled
        return Tensor(shape: Array(shape.dropLast()) + [half]) { out in
            withUnsafeBufferPointer { x in
                let out = out
                Parallel.forRanges(rows, costPerItem: half * 16) { range in
                    let input = x.baseAddress! + range.lowerBound * doubled
                    rt_geglu(input, input + half, out.baseAddress! + range.lowerBound * half, range.count, half, doubled)
                }
            }
        }
    }

    /// Softmax over the last dimension.
    public func softmax() -> Tensor {
        let columns = shape[rank - 1]
        var output = self
        output.withUnsafeMutableBufferPointer { x in
            let x = x
            Parallel.forRanges(count / columns, costPerItem: columns * 8) { rows in
                rt_softmax_rows(x.baseAddress! + rows.lowerBound * columns, rows.count, columns, columns, 1)
            }
        }
        return output
    }
}

extension Tensor {
    /// `max(x, 0)` elementwise, in place (PyTorch's `nn.ReLU`; NaN stays NaN, as `torch.relu` keeps it).
    public mutating func applyReLU() {
        let total = count
        withUnsafeMutableBufferPointer { x in
            let x = x
            Parallel.forRanges(total, costPerItem: 1) { range in
                for i in range where x[i] < 0 { x[i] = 0 }
            }
        }
    }

    /// `max(x, 0)` elementwise (PyTorch's `nn.ReLU`).
    public func relu() -> Tensor {
        var output = self
        output.applyReLU()
        return output
    }
}
