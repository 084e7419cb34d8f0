import Testing
import Retouch

/// Every result-builder form collects exactly the steps written, in order.
struct EditBuilderTests {
    static let removal = Remove(mask: .rectangle(x: 0, y: 0, width: 4, height: 4))

    @Test("if without else: included when true, dropped when false", arguments: [true, false])
    func optional(flag: Bool) {
        let edit = Edit {
            Resize(width: 8, height: 8)
            if flag { Img2Img(prompt: "watercolour", strength: 0.35) }
        }
        #expect(edit.steps.count == (flag ? 2 : 1))
        #expect(edit.steps.last == (flag ? Img2Img(prompt: "watercolour", strength: 0.35) : Resize(width: 8, height: 8)))
    }

    @Test("if/else takes the matching branch", arguments: [true, false])
    func either(flag: Bool) {
        let edit = Edit {
            if flag { Resize(width: 1, height: 1) } else { Crop(x: 0, y: 0, width: 2, height: 2) }
        }
        #expect(edit.steps == [flag ? Resize(width: 1, height: 1) : Crop(x: 0, y: 0, width: 2, height: 2)])
    }

    @Test("for loops repeat their body in order")
    func loop() {
        let edit = Edit {
            for size in [16, 32, 64] { Resize(width: size, height: size) }
            Save("out/{name}.png")
        }
        #expect(edit.steps == [Resize(width: 16, height: 16), Resize(width: 32, height: 32), Resize(width: 64, height: 64), Save("out/{name}.png")])
    }

    @Test("empty blocks and empty edits")
    func empty() {
        #expect(Edit {}.steps.isEmpty)
        let edit = Edit {
            if false {}
            Self.removal
        }
        #expect(edit.steps == [Self.removal])
    }

    @Test("the README's edit reads like the edit")
    func example() {
        let restyle = true
        let edit = Edit {
            UseMask(.file("masks/{name}.png").grown(by: 6))
            Inpaint(prompt: "calm water")
            if restyle { Img2Img(prompt: "watercolour", strength: 0.35) }
        }
        #expect(edit.steps.count == 3)
        #expect(edit.steps[0] == .mask(MaskSpec(source: .file("masks/{name}.png"), grow: 6)))
    }
}
