import Foundation
import Testing
import RetouchImaging
import RetouchTestSupport

/// `retouch batch` survives a SIGKILL: a rerun finishes the rest without recomputing finished items, no output is
/// truncated, and the images equal an uninterrupted run's; shards together make exactly the unsharded set.
struct BatchCommandTests {
    /// Eight 400×260 crops of chelsea.png in a fresh folder, and a model-free recipe (slow enough to interrupt).
    static func workspace() throws -> URL {
        let directory = try Fixtures.temporaryDirectory("retouch-batch")
        let photos = directory.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        let source = try ImageIO.read(Fixtures.url("photos/chelsea.png"))
        for index in 0..<8 {
            let crop = source.cropped(x: 5 * index, y: 4 * index, width: 400, height: 260)
            try ImageIO.write(crop, to: photos.appendingPathComponent(String(format: "photo-%02d.png", index)))
        }
        let recipe = """
        steps:
          - remove: {mask: {ellipse: [120, 60, 160, 130]}, method: patchmatch}
          - resize: {width: 200, height: 130}
        """
        try recipe.write(to: directory.appendingPathComponent("recipe.yaml"), atomically: true, encoding: .utf8)
        return directory
    }

    static func batch(_ arguments: [String], in directory: URL) throws -> Process {
        let process = Process()
        process.executableURL = ConvertCommandTests.executable
        process.arguments = ["batch", "recipe.yaml", "--input", "photos"] + arguments
        process.currentDirectoryURL = directory
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func outputs(_ folder: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".png") {
            result[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        return result
    }

    static func journalDone(_ folder: URL) -> [String] {
        let text = (try? String(contentsOf: folder.appendingPathComponent(".retouch-journal.jsonl"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.contains("\"done\"") }.map(String.init)
    }

    @Test("killed part-way, a rerun completes the batch with the same images and no recomputation")
    func survivesKill() throws {
        let directory = try Self.workspace()
        let reference = try Self.batch(["--output", "reference"], in: directory)
        reference.waitUntilExit()
        #expect(reference.terminationStatus == 0)
        let expected = try Self.outputs(directory.appendingPathComponent("reference"))
        #expect(expected.count == 8)

        let interrupted = directory.appendingPathComponent("interrupted")
        let first = try Self.batch(["--output", "interrupted"], in: directory)
        let deadline = Date().addingTimeInterval(60)
        while Self.journalDone(interrupted).count < 2 && first.isRunning && Date() < deadline { usleep(20_000) }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let doneBeforeKill = Self.journalDone(interrupted).count
        #expect(doneBeforeKill >= 2 && doneBeforeKill < 8, "killed after \(doneBeforeKill) items")
        // Whatever exists after the kill is a complete image (written to a temporary name, then renamed).
        for (name, _) in try Self.outputs(interrupted) {
            #expect((try? ImageIO.read(interrupted.appendingPathComponent(name))) != nil, "\(name) is readable")
        }
        let second = try Self.batch(["--output", "interrupted"], in: directory)
        second.waitUntilExit()
        #expect(second.terminationStatus == 0)
        #expect(try Self.outputs(interrupted) == expected)
        #expect(Self.journalDone(interrupted).count == 8, "every item finished exactly once")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: interrupted.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
        try? FileManager.default.removeItem(at: directory)
    }

    @Test("shards 0/3, 1/3 and 2/3 together make exactly the unsharded set")
    func shards() throws {
        let directory = try Self.workspace()
        let whole = try Self.batch(["--output", "whole"], in: directory)
        whole.waitUntilExit()
        var union: [String: Data] = [:]
        for index in 0..<3 {
            let shard = try Self.batch(["--output", "shard\(index)", "--shard", "\(index)/3"], in: directory)
            shard.waitUntilExit()
            #expect(shard.terminationStatus == 0)
            let part = try Self.outputs(directory.appendingPathComponent("shard\(index)"))
            #expect(Set(part.keys).isDisjoint(with: union.keys))
            union.merge(part) { first, _ in first }
        }
        #expect(union == (try Self.outputs(directory.appendingPathComponent("whole"))))
        try? FileManager.default.removeItem(at: directory)
    }
}

extension Image {
    func cropped(x: Int, y: Int, width: Int, height: Int) -> Image {
        var pixels: [Float] = []
        for row in y..<(y + height) {
            let start = (row * self.width + x) * channels
            pixels.append(contentsOf: self.pixels[start..<(start + width * channels)])
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }
}
