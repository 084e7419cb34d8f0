import Foundation
import Testing
import Retouch
import RetouchImaging
import RetouchTestSupport

/// Values from users and files are checked once, where they are decoded: the rules, the YAML bounds, batch names
/// and shards, and the library's own guards on boxes, crops and saves built in code.
struct BoundaryValidationTests {
    @Test("parameter rules accept their range and name the field and value outside it", arguments: [
        (0.0, "--strength", ParameterRules.strength, nil),
        (1.0, "--strength", ParameterRules.strength, nil),
        (1.5, "--strength", ParameterRules.strength, "--strength: must be from 0 to 1; got 1.5"),
        (-0.1, "guidance", ParameterRules.guidance, "guidance: must be from 0 to 100; got -0.1"),
        (Double.nan, "feather", ParameterRules.blur, "feather: must be a finite number; got nan"),
        (-Double.infinity, "feather", ParameterRules.blur, "feather: must be a finite number; got -inf"),
    ] as [(Double, String, ClosedRange<Double>, String?)])
    func numberRules(value: Double, field: String, range: ClosedRange<Double>, message: String?) {
        do {
            try ParameterRules.check(value, field, in: range)
            #expect(message == nil)
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test("steps are 1…1000")
    func stepRule() throws {
        #expect(throws: InvalidParameter.self) { try ParameterRules.check(0, "steps", in: ParameterRules.steps) }
        #expect(throws: InvalidParameter.self) { try ParameterRules.check(1001, "steps", in: ParameterRules.steps) }
        #expect(try ParameterRules.check(1000, "steps", in: ParameterRules.steps) == 1000)
    }

    @Test("the pixel budget refuses overflowing and oversized products")
    func pixelBudget() throws {
        #expect(try ImageLimits.default.checkAllocation(width: 10_000, height: 10_000, what: "x") == 100_000_000)
        #expect(throws: ImageError.self) { try ImageLimits.default.checkAllocation(width: 10_001, height: 10_000, what: "x") }
        #expect(throws: ImageError.self) { try ImageLimits.default.checkAllocation(width: Int.max, height: 3, what: "x") }
        #expect(throws: ImageError.self) { try ImageLimits.default.checkAllocation(width: 0, height: 3, what: "x") }
    }

    @Test("the depth estimate is never below the real nesting", arguments: [
        ("steps:\n  - mask: {rectangle: [1, 2, 3, 4]}\n", 4),
        ("{\"steps\": [{\"inpaint\": {\"prompt\": \"a [cat] {x}\"}}]}", 4),
        ("a:\n  b:\n    c:\n      d: 1\n", 4),
        ("a:\n- b:\n  - c:\n    - d: 1\n", 7),
        ("- - - - x\n", 4),
        ("k: !tag [[[[1]]]]\n", 5),
        ("p: 'it''s [not flow'\nq: [1]\n", 2),
        ("p: |\n  [[[[ literal text\n  {{{{\nq: 1\n", 1),
    ] as [(String, Int)])
    func depthEstimate(text: String, realDepth: Int) {
        #expect(YAMLLimits.estimatedDepth(text) >= realDepth)
        #expect(YAMLLimits.estimatedDepth(text) <= 2 * realDepth + 2, "ordinary recipes stay far from the limit")
    }

    @Test("ordinary recipes pass the YAML limits; deep, huge and exploding ones do not")
    func yamlLimits() throws {
        try YAMLLimits().check(try String(contentsOf: Fixtures.url("../recipes/inpaint-and-restyle.yaml"), encoding: .utf8), file: "r.yaml")
        #expect(throws: EditError.self) { try YAMLLimits().check(String(repeating: "[", count: 100) + String(repeating: "]", count: 100), file: "r") }
        #expect(throws: EditError.self) { try YAMLLimits().check(String(repeating: "x", count: 5 << 20), file: "r") }
        var limits = YAMLLimits()
        limits.maxNodes = 50
        #expect(throws: EditError.self) { try limits.check("a: &a [1, 2, 3, 4, 5, 6, 7, 8]\nb: [*a, *a, *a, *a, *a, *a, *a, *a]\n", file: "r") }
    }

    @Test("batch names must be plain file names", arguments: [
        ("photo-01", true), ("chat café", true), ("../x", false), ("/tmp/x", false), ("a\\b", false), ("", false),
        (".hidden", false), ("..", false), ("tab\there", false), ("nul\u{0}", false), (String(repeating: "n", count: 201), false),
    ] as [(String, Bool)])
    func batchNames(name: String, allowed: Bool) {
        #expect(((try? BatchItem.checkName(name, row: "row 1")) != nil) == allowed)
    }

    @Test("shards from the environment are checked", arguments: [
        (["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "3"], "1/3"),
        (["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "2"], "2/3"),
        (["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "0"], "error"),
        (["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "3"], "error"),
        (["SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "3"], "error"),
        (["JOB_COMPLETION_INDEX": "2", "RETOUCH_SHARD_COUNT": "2"], "error"),
        ([:], "none"),
    ] as [([String: String], String)])
    func shards(environment: [String: String], expected: String) {
        do {
            let shard = try Shard.resolve(nil, environment: environment)
            #expect((shard?.description ?? "none") == expected)
        } catch {
            #expect(expected == "error")
        }
    }

    @Test("boxes built in code are checked and clipped; crops cannot overflow past their check")
    func codeBuiltValues() async throws {
        let photo = Image(width: 16, height: 16, channels: 3, fill: 0.5)
        let base = FileManager.default.temporaryDirectory
        #expect(throws: InvalidParameter.self) {
            try MaskSpec.rectangle(x: Int.max - 1, y: 0, width: 10, height: 10).resolve(for: photo, name: "p", baseDirectory: base)
        }
        let clipped = try MaskSpec.rectangle(x: -4, y: -4, width: 8, height: 8).resolve(for: photo, name: "p", baseDirectory: base)
        #expect(clipped.values.filter { $0 > 0.5 }.count == 16)
        let outside = try MaskSpec.ellipse(x: 40, y: 40, width: 8, height: 8).resolve(for: photo, name: "p", baseDirectory: base)
        #expect(outside.isEmpty())
        let engine = EditEngine(model: nil, baseDirectory: base)
        await #expect(throws: EditError.self) {
            _ = try await Edit { Crop(x: 8, y: 0, width: Int.max, height: 4) }.run(on: EditState(image: photo, name: "p"), with: engine)
        }
    }

    @Test("saves stay inside the output folder")
    func saveContainment() async throws {
        let folder = try Fixtures.temporaryDirectory()
        let engine = EditEngine(model: nil, baseDirectory: folder, outputDirectory: folder.appendingPathComponent("out"))
        let photo = Image(width: 8, height: 8, channels: 3, fill: 0.5)
        for path in ["../x.png", "/tmp/x.png", "a/../../x.png"] {
            await #expect(throws: EditError.self, "\(path)") {
                _ = try await Edit { Save(path) }.run(on: EditState(image: photo, name: "p"), with: engine)
            }
        }
        _ = try await Edit { Save("steps/{name}.png") }.run(on: EditState(image: photo, name: "p"), with: engine)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/steps/p.png").path))
    }
}
