import RetouchTensor
import RetouchChecks

/// Group-norm statistics shared between passes of one network: recorded in order by one pass, replayed in the same
/// order by later ones. A tiled VAE records them on a small whole-image proxy and replays them in every tile, so all
/// tiles are normalised alike and no colour steps appear between them (the "fast mode" of the Tiled VAE extension
/// for AUTOMATIC1111).
public final class SharedGroupNormStatistics: @unchecked Sendable {
    /// Record or replay.
    public enum Mode: Sendable { case record, replay }

    /// The statistics in call order.
    public private(set) var recorded: [GroupStatistics] = []
    /// The current mode.
    public var mode: Mode = .record
    private var cursor = 0

    /// The instance group-norm layers on this task consult (nil: each normalises with its own statistics).
    @TaskLocal public static var current: SharedGroupNormStatistics?

    /// An empty recorder.
    public init() {}

    /// Statistics of several recorded passes over parts of one image, merged call by call as if each call had seen
    /// all the parts at once (means and second moments averaged with the parts' element counts as weights).
    public static func merged(_ passes: [(SharedGroupNormStatistics, weight: Double)]) -> SharedGroupNormStatistics {
        let result = SharedGroupNormStatistics()
        guard let first = passes.first?.0 else { return result }
        let total = passes.reduce(0) { $0 + $1.weight }
        for call in first.recorded.indices {
            let groups = first.recorded[call].mean.count
            var mean = [Double](repeating: 0, count: groups), second = [Double](repeating: 0, count: groups)
            for (pass, weight) in passes {
                let s = pass.recorded[call]
                for g in 0..<groups {
                    mean[g] += weight * s.mean[g]
                    second[g] += weight * (s.variance[g] + s.mean[g] * s.mean[g])
                }
            }
            let m = mean.map { $0 / total }
            let v = (0..<groups).map { max(second[$0] / total - m[$0] * m[$0], 0) }
            result.recorded.append(GroupStatistics(mean: m, variance: v))
        }
        result.rewind()
        return result
    }

    /// Switches to replaying from the first recorded call.
    public func rewind() {
        mode = .replay
        cursor = 0
    }

    /// The statistics for the next group-norm call: `x`'s own (recorded) or the next recorded ones.
    func statistics(for x: Tensor, groups: Int) -> GroupStatistics {
        switch mode {
        case .record:
            let statistics = x.groupStatistics(groups: groups)
            recorded.append(statistics)
            return statistics
        case .replay:
            require(cursor < recorded.count, "replayed more group norms than were recorded")
            defer { cursor += 1 }
            return recorded[cursor]
        }
    }
}
