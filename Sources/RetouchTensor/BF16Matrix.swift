import CBF16Kernels
import RetouchChecks

/// A constant fp32 matrix (a layer's weights) rounded to bfloat16 and packed for `GEMM.multiplyBF16`.
///
/// Rounding is to nearest, ties to even (denormals become zero). The packed layout belongs to the C kernel the
/// matrix is packed for (`path`): 12-row panels of column pairs for the portable and AVX-512 BF16 kernels,
/// 32-row panels of 16×16-pair tiles for AMX; both zero-padded.
public struct BF16Matrix: Sendable {
    /// Rows of the matrix (a layer's output features or channels).
    public let rows: Int
    /// Columns of the matrix (input features, or `Cin · kh · kw` for a convolution weight).
    public let columns: Int
    /// The kernel the matrix is packed for, resolved (never `.automatic`).
    public let path: GEMM.BF16Path
    /// The packed bf16 panels.
    let packed: [UInt16]

    /// Rounds and packs `tensor`, read as a `[shape[0] × rest]` matrix: a `[out, in]` linear weight, or an OIHW
    /// convolution weight as `[Cout × Cin·kh·kw]`, for `path` (resolved: the best kernel, or a fallback).
    public init(_ tensor: Tensor, path: GEMM.BF16Path = .automatic) {
        require(tensor.rank >= 2 && tensor.count > 0, "BF16Matrix wants a non-empty matrix or conv weight, got \(tensor.shape)")
        let rows = tensor.shape[0]
        self = tensor.withUnsafeBufferPointer {
            BF16Matrix(rows: rows, columns: tensor.count / rows, source: $0.baseAddress!, path: path)
        }
    }

    /// Rounds and packs the row-major `rows × columns` fp32 matrix at `source` for `path`.
    init(rows: Int, columns: Int, source: UnsafePointer<Float>, path: GEMM.BF16Path = .automatic) {
        let path = path.resolved, kernel = path.cKernel
        self.rows = rows
        self.columns = columns
        self.path = path
        let panelRows = rt_bf16_kernel_panel_rows(kernel), panelStride = Int(rt_bf16_kernel_panel_stride(kernel, columns))
        let panels = (rows + panelRows - 1) / panelRows
        packed = [UInt16](unsafeUninitializedCapacity: Int(rt_bf16_kernel_packed_count(kernel, rows, columns))) { buffer, initialized in
            let target = buffer.baseAddress!
            // Panels are independent, so packing splits across workers by whole panels.
            Parallel.forRanges(panels, costPerItem: panelRows * columns) { range in
                let first = range.lowerBound * panelRows, last = Swift.min(rows, range.upperBound * panelRows)
                rt_bf16_kernel_pack(kernel, last - first, columns, source + first * columns, columns,
                                    target + range.lowerBound * panelStride)
            }
            initialized = buffer.count
        }
    }

    /// Bytes held by the packed matrix (about half the fp32 size).
    public var byteCount: Int { packed.count * MemoryLayout<UInt16>.stride }

    /// Whether this CPU runs a hardware bf16 kernel (AVX-512 BF16 or AMX); otherwise bf16 products take the
    /// slower portable path.
    public static var isAccelerated: Bool { GEMM.BF16Path.automatic.resolved != .portable }
}
