import Foundation
import Testing
import Retouch
import RetouchImaging

/// Mask steps produce the expected pixels.
struct MaskSpecTests {
    static let image = Image(width: 10, height: 8, channels: 3, fill: 0.5)
    static let here = URL(fileURLWithPath: "/")

    @Test("a rectangle covers exactly its pixels")
    func rectangle() throws {
        let mask = try MaskSpec.rectangle(x: 2, y: 1, width: 3, height: 2).resolve(for: Self.image, name: "x", baseDirectory: Self.here)
        let set = (0..<80).filter { mask.values[$0] == 1 }
        #expect(set == [12, 13, 14, 22, 23, 24])
    }

    @Test("an ellipse is inside its box; grow, invert and feather compose")
    func ellipse() throws {
        let mask = try MaskSpec.ellipse(x: 0, y: 0, width: 10, height: 8).resolve(for: Self.image, name: "x", baseDirectory: Self.here)
        #expect(mask[5, 4] == 1 && mask[0, 0] == 0 && mask[9, 7] == 0)
        let inverted = try MaskSpec.rectangle(x: 2, y: 2, width: 2, height: 2).inverted().resolve(for: Self.image, name: "x", baseDirectory: Self.here)
        #expect(inverted[2, 2] == 0 && inverted[0, 0] == 1)
        let grown = try MaskSpec.rectangle(x: 4, y: 4, width: 1, height: 1).grown(by: 1).resolve(for: Self.image, name: "x", baseDirectory: Self.here)
        #expect(grown.values.filter { $0 == 1 }.count == 5)
        let feathered = try MaskSpec.rectangle(x: 4, y: 4, width: 2, height: 2).feathered(by: 1).resolve(for: Self.image, name: "x", baseDirectory: Self.here)
        #expect(feathered[4, 4] > 0 && feathered[4, 4] < 1 && feathered[3, 4] > 0)
    }

    @Test("alpha masks need an alpha channel")
    func alpha() {
        #expect(throws: ImageError(file: "x", problem: "has no alpha channel to take the mask from")) {
            try MaskSpec.alpha.resolve(for: Self.image, name: "x", baseDirectory: Self.here)
        }
    }
}
