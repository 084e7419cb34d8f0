import Foundation
import Testing
import Retouch
import RetouchImaging
import RetouchTestSupport

/// Recipes are the DSL's steps as YAML or JSON: round trips are exact and mistakes name the step and field.
struct RecipeTests {
    static let edit = Edit {
        UseMask(.ellipse(x: 10, y: 20, width: 30, height: 40).grown(by: 6).feathered(by: 2.5).inverted())
        Inpaint(mask: .file("masks/{name}.png").shrunk(by: 2), prompt: "calm water", strength: 0.9, steps: 20, seed: 7)
        Img2Img(prompt: "watercolour", strength: 0.35)
        Remove(mask: .rectangle(x: 1, y: 2, width: 3, height: 4), method: .patchMatch, seed: 3)
        Resize(width: 512, height: 384)
        Crop(x: 8, y: 8, width: 256, height: 256)
        Save("out/{name}-step.png")
    }

    @Test("DSL → YAML → DSL is the same edit")
    func yamlRoundTrip() throws {
        let text = try Recipe.encode(Self.edit)
        #expect(try Recipe.decode(text, file: "r.yaml") == Self.edit)
    }

    @Test("DSL → JSON → DSL is the same edit")
    func jsonRoundTrip() throws {
        let json = String(decoding: try JSONEncoder().encode(Self.edit), as: UTF8.self)
        #expect(try Recipe.decode(json, file: "r.json") == Self.edit)
    }

    @Test("a hand-written recipe reads as expected")
    func handWritten() throws {
        let text = """
        steps:
          - mask: {file: "masks/{name}.png", grow: 6}
          - inpaint: {prompt: calm water}
          - resize: {width: 64, height: 48}
        """
        let edit = try Recipe.decode(text, file: "r.yaml")
        #expect(edit.steps == [UseMask(.file("masks/{name}.png").grown(by: 6)), Inpaint(prompt: "calm water"), Resize(width: 64, height: 48)])
    }

    @Test("few-step fields: scheduler lcm/tcd and TCD's eta")
    func fewStepFields() throws {
        let edit = try Recipe.decode("steps:\n  - img2img: {prompt: a, scheduler: tcd, eta: 0.5, steps: 4, guidance: 1}\n  - inpaint: {prompt: b, scheduler: lcm}\n", file: "r.yaml")
        var img2img = Img2ImgStep(prompt: "a", steps: 4, guidance: 1, scheduler: .tcd)
        img2img.eta = 0.5
        #expect(edit.steps == [.img2img(img2img), .inpaint(InpaintStep(prompt: "b", scheduler: .lcm))])
    }

    @Test("errors name the file, the step and the field", arguments: [
        ("steps:\n  - inpaint: {strength: 0.5}\n", "r.yaml: step 1: field 'inpaint.prompt': is required"),
        ("steps:\n  - resize: {width: 64, height: 48}\n  - img2img: {prompt: a, strength: lots}\n", "r.yaml: step 2: field 'img2img.strength': expected a number"),
        ("steps:\n  - blur: {radius: 3}\n", "r.yaml: step 1: a step is one of mask, inpaint, img2img, remove, resize, crop, save, written as a one-key object"),
        ("steps:\n  - mask: {grow: 3}\n", "r.yaml: step 1: field 'mask': a mask needs exactly one of file, alpha, rectangle, ellipse"),
        ("steps:\n  - crop: {x: 1, y: 2, width: 3}\n", "r.yaml: step 1: field 'crop.height': is required"),
        ("steps:\n  - img2img: {prompt: a, scheduler: tcd, eta: 1.5}\n", "r.yaml: step 1: field 'img2img.eta': must be from 0 to 1; got 1.5"),
        ("steps:\n  - inpaint: {prompt: a, scheduler: tcd, eta: -1}\n", "r.yaml: step 1: field 'inpaint.eta': must be from 0 to 1; got -1"),
    ] as [(String, String)])
    func errors(text: String, message: String) {
        do {
            _ = try Recipe.decode(text, file: "r.yaml")
            Issue.record("accepted a broken recipe")
        } catch {
            #expect("\(error)" == message)
        }
    }
}
