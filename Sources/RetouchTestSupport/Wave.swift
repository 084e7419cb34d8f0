import Foundation
import RetouchTensor

extension Tensor {
    /// The deterministic test input the fixture scripts also build:
    /// `x[i] = sin(0.37 i + seed) · amplitude + offset`, computed in double and rounded to float.
    public static func wave(_ shape: [Int], seed: Double, amplitude: Double = 1, offset: Double = 0) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: (0..<count).map { Float(sin(Double($0) * 0.37 + seed) * amplitude + offset) })
    }
}
