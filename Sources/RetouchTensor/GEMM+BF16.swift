import CBF16Kernels
#if canImport(Glibc)
import Glibc
#endif

extension GEMM {
    /// Which implementation a bf16 product runs on.
    public enum BF16Path: Sendable {
        /// AVX-512 BF16 when the CPU has it, else portable; `RETOUCH_BF16_PORTABLE=1` forces portable.
        case automatic
        /// The portable C path (same rounding, fp32 arithmetic), whatever the CPU.
        case portable
    }

    /// Whether `RETOUCH_BF16_PORTABLE` is set to a non-zero value.
    static let bf16PortableForced: Bool = {
        guard let text = getenv("RETOUCH_BF16_PORTABLE") else { return false }
        return String(cString: text) != "0"
    }()

    /// C[m×n] = A · op(B) + beta · C with A the bf16 `weights` (m = `weights.rows`, k = `weights.columns`), B fp32
    /// converted to bf16 block by block, and fp32 accumulation.
    ///
    /// op(B) is k×n: `.plain` reads `b[p * ldb + j]`, `.transposed` reads `b[j * ldb + p]` (B stored n×k).
    /// C[i][j] is `c[i * rowStride + j * columnStride]`; pass `rowStride: 1, columnStride: m` to write the
    /// transpose, as `linear` does. With `beta == 0`, C is not read. Large products split into one slab per
    /// worker (columns of C, or rows when C is narrow), as `multiply` does; the FLOPs count in `operationCount`.
    ///
    /// - Parameter parallel: allow splitting across workers (callers already inside a parallel loop pass false).
    public static func multiplyBF16(
        _ weights: BF16Matrix, _ opB: Operand = .plain, n: Int,
        b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
        c: UnsafeMutablePointer<Float>, rowStride: Int, columnStride: Int = 1,
        parallel: Bool = true, path: BF16Path = .automatic
    ) {
        let m = weights.rows, k = weights.columns
        guard m > 0, n > 0 else { return }
        operationCount.add(2 * m * n * k, ordering: .relaxed)
        let transposed: Int32 = opB == .transposed ? 1 : 0
        let kernel = path == .portable || bf16PortableForced ? rt_bf16_gemm_portable : rt_bf16_gemm
        let workers = parallel && m * n * k >= parallelThreshold ? Parallel.workerCount : 1
        weights.packed.withUnsafeBufferPointer { packed in
            let packed = packed.baseAddress!
            if workers <= 1 {
                kernel(m, n, k, packed, b, ldb, transposed, c, rowStride, columnStride, beta)
                return
            }
            let panelRows = rt_bf16_panel_rows()
            if n >= m || n >= 64 * workers {
                // Split the columns of C (and of op(B)) in whole 32-column tiles.
                let tile = 32, tiles = (n + tile - 1) / tile
                Parallel.forRanges(tiles, costPerItem: .max / (tiles + 1)) { range in
                    let first = range.lowerBound * tile, count = Swift.min(n, range.upperBound * tile) - first
                    kernel(m, count, k, packed, b + (opB == .plain ? first : first * ldb), ldb, transposed,
                           c + first * columnStride, rowStride, columnStride, beta)
                }
            } else {
                // Split the rows of C (and of A) in whole panels.
                let panels = (m + panelRows - 1) / panelRows, panelStride = Int(rt_bf16_panel_stride(k))
                Parallel.forRanges(panels, costPerItem: .max / (panels + 1)) { range in
                    let first = range.lowerBound * panelRows, count = Swift.min(m, range.upperBound * panelRows) - first
                    kernel(count, n, k, packed + range.lowerBound * panelStride, b, ldb, transposed,
                           c + first * rowStride, rowStride, columnStride, beta)
                }
            }
        }
    }
}
