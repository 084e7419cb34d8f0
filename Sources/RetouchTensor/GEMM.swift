import CBLAS
import Synchronization

/// Single-precision matrix multiplication through OpenBLAS, the one GEMM every kernel uses.
///
/// OpenBLAS is pinned to one thread; when a product is large, `GEMM` splits it into one slab per worker
/// (columns of C, or rows when C is narrow) and runs the slabs on `Parallel`'s workers. Keeping all
/// threading in one place means no kernel ever oversubscribes the cores.
public enum GEMM {
    /// Whether an operand is used as stored or transposed.
    public enum Operand: Sendable { case plain, transposed }

    private static let configured: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    /// Floating-point operations (2·m·n·k per product) performed by every GEMM since start; benchmarks read it
    /// to report effective GFLOP/s, since convolutions, linear layers and attention all multiply here.
    public static let operationCount = Atomic<Int>(0)

    /// Products with fewer multiply-adds than this run on the calling thread.
    public static let parallelThreshold = 1 << 21

    /// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, all row-major with the given leading dimensions.
    ///
    /// - Parameter parallel: allow splitting across workers (callers already inside a parallel loop pass false).
    public static func multiply(
        _ opA: Operand = .plain, _ opB: Operand = .plain,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, parallel: Bool = true
    ) {
        guard m > 0, n > 0 else { return }
        operationCount.add(2 * m * n * k, ordering: .relaxed)
        let workers = parallel && m * n * k >= parallelThreshold ? Parallel.workerCount : 1
        if workers <= 1 {
            call(opA, opB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        if n >= m || n >= 64 * workers {
            // Split the columns of C (and of op(B)).
            Parallel.forRanges(n, costPerItem: .max / (n + 1)) { cols in
                let bOffset = opB == .plain ? cols.lowerBound : cols.lowerBound * ldb
                call(opA, opB, m: m, n: cols.count, k: k, alpha: alpha, a: a, lda: lda,
                     b: b + bOffset, ldb: ldb, beta: beta, c: c + cols.lowerBound, ldc: ldc)
            }
        } else {
            // Split the rows of C (and of op(A)).
            Parallel.forRanges(m, costPerItem: .max / (m + 1)) { rows in
                let aOffset = opA == .plain ? rows.lowerBound * lda : rows.lowerBound
                call(opA, opB, m: rows.count, n: n, k: k, alpha: alpha, a: a + aOffset, lda: lda,
                     b: b, ldb: ldb, beta: beta, c: c + rows.lowerBound * ldc, ldc: ldc)
            }
        }
    }

    /// One single-threaded OpenBLAS call.
    private static func call(
        _ opA: Operand, _ opB: Operand, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        _ = configured
        cblas_sgemm(CblasRowMajor,
                    opA == .plain ? CblasNoTrans : CblasTrans,
                    opB == .plain ? CblasNoTrans : CblasTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Runs `body` with OpenBLAS allowed `threads` threads (for measuring OpenBLAS's own figure), then pins it back to one.
    public static func withOpenBLASThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        _ = configured
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(1) }
        return try body()
    }
}
