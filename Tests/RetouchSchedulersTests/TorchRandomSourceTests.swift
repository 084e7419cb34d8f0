import Foundation
import Testing
import RetouchSchedulers
import RetouchTestSupport

/// TorchRandomSource gives torch.randn's float32 values for the same seed, across both of torch's sampling paths
/// (fewer than 16 elements, and 16 or more with the recomputed tail) and across consecutive draws.
struct TorchRandomSourceTests {
    struct Draw: Decodable, Sendable { let shape: [Int]; let positions: [Int]; let values: [Double] }
    struct Case: Decodable, Sendable, CustomStringConvertible {
        let seed: UInt64
        let draws: [Draw]
        var description: String { "seed \(seed): \(draws.map(\.shape))" }
    }

    static let cases: [Case] = {
        struct File: Decodable { let cases: [Case] }
        guard let data = try? Data(contentsOf: Fixtures.url("random/random_references.json")),
              let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.cases
    }()

    @Test("the reference table is present")
    func loaded() { #expect(Self.cases.count == 6) }

    @Test("values equal torch.randn's", arguments: cases)
    func matchesTorch(_ c: Case) {
        var random = TorchRandomSource(seed: c.seed)
        for draw in c.draws {
            let values = random.normal(count: draw.shape.reduce(1, *))
            for (position, expected) in zip(draw.positions, draw.values) {
                // SLEEF's log/sin/cos in PyTorch may differ from libm's by an ulp or two.
                #expect(abs(Double(values[position]) - expected) <= 2e-6 * max(1, abs(expected)),
                        "shape \(draw.shape) position \(position): \(values[position]) vs \(expected)")
            }
        }
    }
}
