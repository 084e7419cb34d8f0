import Foundation

/// A planar float image used inside the fill: one array per channel, row-major.
struct Planes {
    var width: Int
    var height: Int
    var channels: [[Float]]

    init(width: Int, height: Int, channels: [[Float]]) {
        self.width = width
        self.height = height
        self.channels = channels
    }

    init(width: Int, height: Int, channelCount: Int) {
        self.init(width: width, height: height,
                  channels: Array(repeating: [Float](repeating: 0, count: width * height), count: channelCount))
    }

    var count: Int { width * height }

    /// Half-size image: each pixel averages the known source pixels of its 2×2 block (`known` per pixel);
    /// the returned mask marks pixels with at least one known source pixel... only when all four are known
    /// (so holes never shrink when going coarser).
    func downsampled(known: [Bool]) -> (Planes, [Bool]) {
        let w = (width + 1) / 2, h = (height + 1) / 2
        var result = Planes(width: w, height: h, channelCount: channels.count)
        var resultKnown = [Bool](repeating: false, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                var sums = [Float](repeating: 0, count: channels.count)
                var knownCount = 0, total = 0
                for dy in 0..<2 {
                    for dx in 0..<2 {
                        let sx = min(2 * x + dx, width - 1), sy = min(2 * y + dy, height - 1)
                        let index = sy * width + sx
                        total += 1
                        if known[index] {
                            knownCount += 1
                            for c in channels.indices { sums[c] += channels[c][index] }
                        }
                    }
                }
                let index = y * w + x
                resultKnown[index] = knownCount == total
                if knownCount > 0 {
                    for c in channels.indices { result.channels[c][index] = sums[c] / Float(knownCount) }
                }
            }
        }
        return (result, resultKnown)
    }
}

/// Deterministic per-pixel random numbers (SplitMix64 of seed and coordinates), independent of thread count.
struct PixelRandom {
    static func value(_ seed: UInt64, _ a: Int, _ b: Int, _ c: Int) -> UInt64 {
        var z = seed &+ UInt64(truncatingIfNeeded: a) &* 0x9E37_79B9_7F4A_7C15
        z ^= UInt64(truncatingIfNeeded: b) &* 0xC2B2_AE3D_27D4_EB4F
        z ^= UInt64(truncatingIfNeeded: c) &* 0x1656_67B1_9E37_79F9
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
