import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// The worker pool every non-GEMM loop uses: one task per core through `concurrentPerform`.
public enum Parallel {
    /// The number of workers (the machine's active cores, or `RETOUCH_THREADS` when set).
    public static let workerCount: Int = {
        if let text = getenv("RETOUCH_THREADS"), let value = Int(String(cString: text)), value > 0 {
            return value
        }
        return max(1, ProcessInfoCores.active)
    }()

    /// Runs `body(i)` for every `i` in `0..<count`, spreading contiguous ranges of `i` over the workers.
    ///
    /// Small loops (`count * costPerItem` below ~64k operations) run inline to avoid dispatch overhead.
    @inlinable
    public static func forEach(_ count: Int, costPerItem: Int = 1024, _ body: (Int) -> Void) {
        forRanges(count, costPerItem: costPerItem) { range in
            for index in range { body(index) }
        }
    }

    /// Runs `body` over disjoint ranges that together cover `0..<count`, one range per worker.
    @inlinable
    public static func forRanges(_ count: Int, costPerItem: Int = 1024, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let workers = min(workerCount, count)
        if workers <= 1 || count * costPerItem < 65_536 {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let start = count * worker / workers
                let end = count * (worker + 1) / workers
                if start < end { body(start..<end) }
            }
        }
    }
}

/// The active processor count, read once.
public enum ProcessInfoCores {
    /// Cores available to this process.
    public static let active: Int = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
}
