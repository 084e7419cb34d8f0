import Foundation
import Testing
import Retouch
import RetouchImaging
import RetouchTestSupport

/// The one typed request: parameters validated in one place (errors name the field as the boundary spells it),
/// batches with seeds seed, seed+1, …, cancellation between steps, and a model store that loads by name once.
struct EditRequestTests {
    static let photo: Image = {
        var pixels = [Float](repeating: 0, count: 64 * 48 * 3)
        for i in pixels.indices { pixels[i] = Float((i * 37) % 251) / 250 }
        return Image(width: 64, height: 48, channels: 3, pixels: pixels)
    }()

    static func squareMask() -> Mask {
        var mask = Mask(width: 64, height: 48, fill: 0)
        for y in 16..<32 { for x in 24..<40 { mask[x, y] = 1 } }
        return mask
    }

    @Test("an out-of-range value names the field as the caller spells it")
    func validationNamesTheField() throws {
        var parameters = EditParameters()
        parameters.steps = 0
        #expect(throws: InvalidParameter(field: "steps", problem: "must be a whole number from 1 to 1000; got 0")) {
            try parameters.validated()
        }
        parameters.steps = 20
        parameters.guidance = .nan
        #expect(throws: InvalidParameter(field: "cfg_scale", problem: "must be a finite number; got nan")) {
            try parameters.validated { $0 == .guidance ? "cfg_scale" : $0.rawValue }
        }
        parameters.guidance = 7
        parameters.count = EditParameters.maxCount + 1
        #expect(throws: InvalidParameter.self) { try parameters.validated() }
    }

    @Test("a resolved seed is kept; a missing one is drawn in 0…2³¹−1")
    func seeds() {
        var parameters = EditParameters()
        parameters.seed = 42
        #expect(parameters.withResolvedSeed().seed == 42)
        parameters.seed = nil
        let drawn = parameters.withResolvedSeed().seed
        #expect(drawn != nil && drawn! <= UInt64(Int32.max))
        parameters.seed = 9
        #expect(parameters.diffusionSettings(index: 2).seed == 11)
    }

    @Test("remove needs no model, changes the masked pixels and leaves the rest exact; a batch uses seed, seed+1")
    func removeBatch() throws {
        var parameters = EditParameters()
        parameters.seed = 5
        parameters.count = 2
        let mask = Self.squareMask()
        let request = try EditRequest(mode: .remove(mask), image: Self.photo, parameters: parameters.validated())
        let outputs = try request.run(pipelines: nil)
        #expect(outputs.map(\.seed) == [5, 6])
        let result = outputs[0].image
        var changed = false
        for y in 0..<48 {
            for x in 0..<64 {
                for c in 0..<3 {
                    let i = (y * 64 + x) * 3 + c
                    if mask[x, y] == 0 { #expect(result.pixels[i] == Self.photo.pixels[i]) } else if result.pixels[i] != Self.photo.pixels[i] { changed = true }
                }
            }
        }
        #expect(changed)
    }

    @Test("modes that paint need a model and say so; a request without a photo is refused")
    func needsModel() throws {
        let request = try EditRequest(mode: .inpaint(Self.squareMask()), image: Self.photo, parameters: EditParameters())
        #expect(throws: PipelineError.self) { try request.run(pipelines: nil) }
        #expect(throws: InvalidParameter.self) { try EditRequest(mode: .img2img, image: nil, parameters: EditParameters()) }
    }

    @Test("the model store loads a catalog entry once, by name, and a cancelled run stops between steps")
    func modelStoreAndCancellation() async throws {
        let path = Fixtures.url("models/tiny-sd1").path
        let store = try ModelStore(options: .init(), scan: { [ModelStore.Entry(name: "tiny-sd1", path: path, shortHash: nil)] })
        #expect(await store.entry(matching: "tiny-sd1")?.path == path)
        #expect(await store.entry(matching: "/etc/passwd") == nil)
        let model = try await store.currentModel()
        _ = try await store.currentModel()
        #expect(await store.loadedNames == ["tiny-sd1"])

        var parameters = EditParameters()
        parameters.seed = 1
        parameters.steps = 50
        let request = try EditRequest(mode: .generate(width: 64, height: 64), image: nil, parameters: parameters.validated())
        let counter = StepCounter()
        #expect(throws: CancellationError.self) {
            try request.run(pipelines: EditPipelines(model: model), progress: { _, _, done, _ in counter.set(done) },
                            isCancelled: { counter.value >= 3 })
        }
        #expect(counter.value == 3)
        let made = try request.run(pipelines: EditPipelines(model: model))
        #expect(made.count == 1 && made[0].image.width == 64 && made[0].infotext.contains("Seed: 1"))
    }
}

/// A step count shared with the run's callbacks.
final class StepCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func set(_ value: Int) { lock.withLock { count = value } }
}
