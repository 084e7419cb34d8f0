import Testing
import RetouchModels

/// Random weights fill in parallel, so every value must still be the one the single SplitMix64 stream defines.
struct RandomWeightsTests {
    @Test("a large random tensor equals the serial SplitMix64 stream for its name and seed, value for value")
    func parallelFillMatchesTheSerialStream() throws {
        let name = "down_blocks.0.resnets.0.conv1.weight", shape = [320, 320, 3, 3]
        let tensor = try RandomWeights(seed: 7).tensor(name, expectedShape: shape)
        var state = 7 ^ name.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        let bound = 1 / Float(320 * 9).squareRoot()
        var mismatches = 0
        for i in 0..<tensor.scalars.count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let expected = bound * (2 * (Float(z >> 40) / Float(1 << 24)) - 1)
            if tensor.scalars[i].bitPattern != expected.bitPattern { mismatches += 1 }
        }
        #expect(tensor.scalars.count == 921_600 && mismatches == 0)
    }
}
