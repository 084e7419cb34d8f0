import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One line of benchmark output: `name: value unit`.
public struct BenchmarkFigure: Sendable, CustomStringConvertible {
    /// The figure's name, e.g. `sgemm-2048`.
    public let name: String
    /// The measured value.
    public let value: Double
    /// The unit, e.g. `GFLOP/s`, `s`, `MB`, `%`.
    public let unit: String

    /// Creates a figure.
    public init(_ name: String, _ value: Double, _ unit: String) {
        self.name = name
        self.value = value
        self.unit = unit
    }

    /// `name: value unit`, with a precision suited to the magnitude.
    public var description: String {
        let digits = value >= 100 ? 1 : value >= 1 ? 2 : 4
        return "\(name): \(String(format: "%.\(digits)f", value)) \(unit)"
    }
}

/// Timing and memory helpers shared by the benchmarks.
public enum BenchmarkClock {
    /// The median wall time in seconds of `runs` calls of `body` (after one untimed warm-up call).
    public static func medianSeconds(runs: Int, warmUp: Bool = true, _ body: () -> Void) -> Double {
        if warmUp { body() }
        var times: [Double] = []
        for _ in 0..<max(1, runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }
}

/// The process's resident-memory high-water mark, from `/proc/self/status`.
public enum PeakMemory {
    /// Resets the high-water mark to the current resident size (Linux `clear_refs` 5); false where unsupported.
    @discardableResult
    public static func reset() -> Bool {
        // A plain write: FileManager would write a temporary file and rename it, which /proc refuses.
        let descriptor = open("/proc/self/clear_refs", O_WRONLY)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return write(descriptor, "5", 1) == 1
    }

    /// The peak resident set size in bytes since start or the last `reset()`.
    public static func peakBytes() -> Int { statusField("VmHWM") }

    /// The current resident set size in bytes.
    public static func currentBytes() -> Int { statusField("VmRSS") }

    private static func statusField(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kilobytes * 1024
        }
        return 0
    }
}
