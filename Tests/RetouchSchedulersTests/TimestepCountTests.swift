import Testing
import RetouchSchedulers

/// Every scheduler runs exactly the requested number of model evaluations' timesteps with every spacing (a
/// floating-point `stride` once produced a seventh timestep of −1 for 6 trailing steps, and black SD 2.x images).
struct TimestepCountTests {
    @Test("timesteps are in range and as many as diffusers makes, for 1…60 steps", arguments: TimestepSpacing.allCases)
    func timestepCount(spacing: TimestepSpacing) {
        var config = SchedulerConfig()
        config.timestepSpacing = spacing
        for kind in SchedulerKind.allCases {
            for steps in 1...60 {
                let scheduler = kind.make(config: config, steps: steps)
                #expect(scheduler.timesteps.allSatisfy { $0 >= 0 && $0 < 1000 }, "\(kind) \(spacing) \(steps): \(scheduler.timesteps)")
                let expected = kind == .heun ? 2 * steps - 1 : kind == .pndm ? steps + 1 : steps   // as diffusers (PLMS repeats one)
                #expect(scheduler.timesteps.count == expected, "\(kind) \(spacing) \(steps) steps: \(scheduler.timesteps.count) timesteps")
            }
        }
    }
}
