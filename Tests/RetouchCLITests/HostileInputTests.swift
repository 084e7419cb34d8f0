import Foundation
import Testing
import RetouchImaging
import RetouchTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Hostile input to the command line, as a user or a downloaded file would give it: every case must fail with a
/// clear message naming the flag, field, row or file and the problem, a non-zero exit, no output file written and
/// no input changed; never a crash, a hang or a write outside the output folder.
struct HostileInputTests {
    /// One hostile run: the files it needs, the arguments, and what it must say.
    struct Case: CustomTestStringConvertible, Sendable {
        /// What the case is about (the test's name in reports).
        let label: String
        /// Arguments; `PHOTO`, `MASK`, `SD1` and `INPAINT` stand for the fixture photo, mask and tiny models.
        let arguments: [String]
        /// The exit status: 64 for usage errors (bad flags), 1 for everything else.
        let status: Int32
        /// Text the message must contain.
        let message: String
        /// Text files to create first (path → contents), e.g. recipes and manifests.
        var files: [String: String] = [:]
        /// FIFOs to create first.
        var fifos: [String] = []
        /// Extra environment variables.
        var environment: [String: String] = [:]
        /// The failure comes while a `run` processes its photo (so its journal and summary may be written).
        var runtimeFailure = false

        var testDescription: String { label }
    }

    static let recipeSteps0 = "steps:\n  - mask: {rectangle: [4, 4, 20, 20]}\n  - img2img: {prompt: a, steps: 0}\n"
    static let deepRecipe = "steps: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "\n"
    static let deepBlockRecipe = (0..<1000).map { String(repeating: " ", count: $0) + "- " }.joined(separator: "\n") + "x\n"
    static let laughs: String = {
        var lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...9 { lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]") }
        lines.append("steps:\n  - resize: {width: 8, height: 8}\nextra: *a9")
        return lines.joined(separator: "\n") + "\n"
    }()

    static let cases: [Case] = [
        // Values out of range, named with the flag and the value.
        Case(label: "generate --width 100000", arguments: ["generate", "--model", "SD1", "--prompt", "a", "--width", "100000", "--output", "o.png"],
             status: 64, message: "--width must be a whole number from 8 to 65535; got 100000"),
        Case(label: "generate over the pixel budget", arguments: ["generate", "--model", "SD1", "--prompt", "a", "--width", "30000", "--height", "30000", "--output", "o.png"],
             status: 64, message: "30000x30000 pixels is over the limit of 100 megapixels"),
        Case(label: "--steps 0", arguments: ["generate", "--model", "SD1", "--prompt", "a", "--steps", "0", "--output", "o.png"],
             status: 64, message: "--steps must be a whole number from 1 to 1000; got 0"),
        Case(label: "--steps -3 (a negative number parses so its range can speak)", arguments: ["img2img", "PHOTO", "--model", "SD1", "--prompt", "a", "--steps", "-3", "--output", "o.png"],
             status: 64, message: "--steps must be a whole number from 1 to 1000; got -3"),
        Case(label: "--steps 100000", arguments: ["img2img", "PHOTO", "--model", "SD1", "--prompt", "a", "--steps", "100000", "--output", "o.png"],
             status: 64, message: "--steps must be a whole number from 1 to 1000; got 100000"),
        Case(label: "--guidance nan", arguments: ["img2img", "PHOTO", "--model", "SD1", "--prompt", "a", "--guidance", "nan", "--output", "o.png"],
             status: 64, message: "--guidance must be a finite number; got nan"),
        Case(label: "--guidance inf", arguments: ["img2img", "PHOTO", "--model", "SD1", "--prompt", "a", "--guidance", "inf", "--output", "o.png"],
             status: 64, message: "--guidance must be a finite number; got inf"),
        Case(label: "--padding -5", arguments: ["inpaint", "PHOTO", "--mask", "MASK", "--model", "INPAINT", "--prompt", "a", "--padding", "-5", "--output", "o.png"],
             status: 64, message: "--padding must be a whole number from 0 to 65535; got -5"),
        Case(label: "--mask-blur nan", arguments: ["inpaint", "PHOTO", "--mask", "MASK", "--model", "INPAINT", "--prompt", "a", "--mask-blur", "nan", "--output", "o.png"],
             status: 64, message: "--mask-blur must be a finite number; got nan"),
        Case(label: "mask --feather 1e9", arguments: ["mask", "PHOTO", "--output", "m.png", "--feather", "1e9"],
             status: 64, message: "--feather must be from 0 to 1000; got 1000000000"),
        Case(label: "mask --rectangle with a huge size", arguments: ["mask", "PHOTO", "--output", "m.png", "--rectangle", "0,0,9999999,5"],
             status: 64, message: "--rectangle width and height must be from 1 to 65535; got 9999999x5"),
        Case(label: "outpaint --left 1000000", arguments: ["outpaint", "PHOTO", "--model", "INPAINT", "--prompt", "a", "--left", "1000000", "--output", "o.png"],
             status: 64, message: "--left must be a whole number from 0 to 65535; got 1000000"),
        Case(label: "outpaint canvas of a million pixels a side", arguments: ["outpaint", "PHOTO", "--model", "INPAINT", "--prompt", "a", "--canvas", "1000000x1000000", "--output", "o.png"],
             status: 64, message: "--canvas: 1000000x1000000 pixels is over the limit of 100 megapixels"),
        Case(label: "convert --scale 1e300", arguments: ["convert", "PHOTO", "o.png", "--scale", "1e300"],
             status: 1, message: "over the limit of 100 megapixels"),
        Case(label: "--variant with a path", arguments: ["img2img", "PHOTO", "--model", "SD1", "--prompt", "a", "--variant", "../../etc", "--output", "o.png"],
             status: 64, message: "--variant must be a plain name such as fp16 or bf16"),
        Case(label: "--seed -5", arguments: ["remove", "PHOTO", "--mask", "MASK", "--seed", "-5", "--output", "o.png"],
             status: 64, message: "'-5' is invalid for '--seed"),

        // Recipes: range errors name the file, the step and the field; parsers are bounded.
        Case(label: "recipe steps: 0", arguments: ["run", "r.yaml", "PHOTO", "--output", "out"], status: 1,
             message: "r.yaml: step 2: field 'img2img.steps': must be a whole number from 1 to 1000; got 0", files: ["r.yaml": recipeSteps0]),
        Case(label: "recipe area: centre", arguments: ["run", "r.yaml", "PHOTO", "--output", "out"], status: 1,
             message: "r.yaml: step 1: field 'inpaint.area': must be one of whole, masked; got 'centre'",
             files: ["r.yaml": "steps:\n  - inpaint: {prompt: a, area: centre, mask: {rectangle: [1, 1, 4, 4]}}\n"]),
        Case(label: "recipe feather: .nan", arguments: ["run", "r.yaml", "PHOTO", "--output", "out"], status: 1,
             message: "field 'mask.feather': must be a finite number; got nan", files: ["r.yaml": "steps:\n  - mask: {rectangle: [1, 1, 4, 4], feather: .nan}\n"]),
        Case(label: "recipe resize to 100000 px", arguments: ["run", "r.yaml", "PHOTO", "--output", "out"], status: 1,
             message: "field 'resize.width': 100000x100000 pixels is over the limit of 100 megapixels",
             files: ["r.yaml": "steps:\n  - resize: {width: 100000, height: 100000}\n"]),
        Case(label: "recipe resize to a negative size", arguments: ["run", "r.yaml", "PHOTO", "--output", "out"], status: 1,
             message: "-5x8 is not a positive size", files: ["r.yaml": "steps:\n  - resize: {width: -5, height: 8}\n"]),
        Case(label: "recipe crop far outside the image", arguments: ["run", "r.yaml", "PHOTO", "--output", "out"], status: 1,
             message: "crop x 60000, y 0, 10x10 is not inside the 64x64 image", files: ["r.yaml": "steps:\n  - crop: {x: 60000, y: 0, width: 10, height: 10}\n"],
             runtimeFailure: true),
        Case(label: "recipe nested 5000 levels deep (flow)", arguments: ["run", "r.yaml", "PHOTO", "--output", "out"], status: 1,
             message: "r.yaml: nested about", files: ["r.yaml": deepRecipe]),
        Case(label: "recipe nested 1000 levels deep (block)", arguments: ["run", "r.yaml", "PHOTO", "--output", "out"], status: 1,
             message: "r.yaml: nested about", files: ["r.yaml": deepBlockRecipe]),
        Case(label: "recipe with a billion laughs", arguments: ["run", "r.yaml", "PHOTO", "--output", "out"], status: 1,
             message: "r.yaml: expands to more than 100000 values", files: ["r.yaml": laughs]),
        Case(label: "recipe save outside the output folder", arguments: ["run", "r.yaml", "PHOTO", "--output", "out"], status: 1,
             message: "save: '../escaped.png' must be a relative path inside the output folder", files: ["r.yaml": "steps:\n  - save: ../escaped.png\n"],
             runtimeFailure: true),

        // Files that are not files: refused at once by name, never a hang.
        Case(label: "FIFO as the image", arguments: ["remove", "pipe.png", "--mask", "MASK", "--output", "o.png"], status: 1,
             message: "pipe.png: is a FIFO (named pipe), not a regular image", fifos: ["pipe.png"]),
        Case(label: "FIFO as the mask", arguments: ["remove", "PHOTO", "--mask", "pipe.png", "--output", "o.png"], status: 1,
             message: "pipe.png: is a FIFO (named pipe), not a regular image", fifos: ["pipe.png"]),
        Case(label: "FIFO as the weights", arguments: ["img2img", "PHOTO", "--model", "pipe.safetensors", "--prompt", "a", "--output", "o.png"], status: 1,
             message: "pipe.safetensors: is a FIFO (named pipe), not a regular weights file", fifos: ["pipe.safetensors"]),
        Case(label: "FIFO as the recipe", arguments: ["run", "pipe.yaml", "PHOTO", "--output", "out"], status: 1,
             message: "pipe.yaml: is a FIFO (named pipe), not a regular recipe", fifos: ["pipe.yaml"]),
        Case(label: "FIFO as the manifest", arguments: ["batch", "r.yaml", "--input", "pipe.csv", "--output", "out"], status: 1,
             message: "pipe.csv: is a FIFO (named pipe), not a regular manifest", files: ["r.yaml": "steps:\n  - resize: {width: 8, height: 8}\n"], fifos: ["pipe.csv"]),
        Case(label: "a folder as the image", arguments: ["remove", "folder", "--mask", "MASK", "--output", "o.png"], status: 1,
             message: "folder: is a folder, not a regular image", files: ["folder/keep.txt": "x"]),

        // Outputs: never an input, never a device.
        Case(label: "mask IN --output IN", arguments: ["mask", "PHOTO", "--output", "PHOTO"], status: 1, message: "is an input of this run"),
        Case(label: "output is a character device", arguments: ["remove", "PHOTO", "--mask", "MASK", "--output", "/dev/null"], status: 1,
             message: "/dev/null: is a character device; only a regular file is ever replaced"),
        Case(label: "output in a folder that is a file", arguments: ["remove", "PHOTO", "--mask", "MASK", "--output", "PHOTO/x.png"], status: 1,
             message: "Not a directory"),

        // Batches: names are contained, duplicates named, shards checked.
        Case(label: "manifest name ../../x", arguments: ["batch", "r.yaml", "--input", "m.csv", "--output", "out"], status: 1,
             message: "m.csv: item 1: the name '../../x' contains a path separator",
             files: ["r.yaml": "steps:\n  - resize: {width: 8, height: 8}\n", "m.csv": "image,name\nphoto.png,../../x\n"]),
        Case(label: "manifest absolute name", arguments: ["batch", "r.yaml", "--input", "m.jsonl", "--output", "out"], status: 1,
             message: "m.jsonl: item 1: the name '/tmp/x' contains a path separator",
             files: ["r.yaml": "steps:\n  - resize: {width: 8, height: 8}\n", "m.jsonl": "{\"image\": \"photo.png\", \"name\": \"/tmp/x\"}\n"]),
        Case(label: "manifest name with a control character", arguments: ["batch", "r.yaml", "--input", "m.jsonl", "--output", "out"], status: 1,
             message: "contains a control character",
             files: ["r.yaml": "steps:\n  - resize: {width: 8, height: 8}\n", "m.jsonl": "{\"image\": \"photo.png\", \"name\": \"a\\u0007b\"}\n"]),
        Case(label: "manifest header with a repeated column", arguments: ["batch", "r.yaml", "--input", "m.csv", "--output", "out"], status: 1,
             message: "m.csv: the header names the column 'image' twice",
             files: ["r.yaml": "steps:\n  - resize: {width: 8, height: 8}\n", "m.csv": "image,image\nphoto.png,photo.png\n"]),
        Case(label: "two items share a name", arguments: ["batch", "r.yaml", "--input", "m.csv", "--output", "out"], status: 1,
             message: "two batch items share the name 'same'",
             files: ["r.yaml": "steps:\n  - resize: {width: 8, height: 8}\n", "m.csv": "image,name\nphoto.png,same\nmask.png,same\n"]),
        Case(label: "SLURM_ARRAY_TASK_COUNT=0", arguments: ["batch", "r.yaml", "--input", "m.csv", "--output", "out"], status: 1,
             message: "the shard count must be at least 1",
             files: ["r.yaml": "steps:\n  - resize: {width: 8, height: 8}\n", "m.csv": "image\nphoto.png\n"],
             environment: ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "0"]),
        Case(label: "Slurm task id past the count", arguments: ["batch", "r.yaml", "--input", "m.csv", "--output", "out"], status: 1,
             message: "shard 5 is outside 0…1, so this task would process nothing",
             files: ["r.yaml": "steps:\n  - resize: {width: 8, height: 8}\n", "m.csv": "image\nphoto.png\n"],
             environment: ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "2"]),

        // Messages name the file.
        Case(label: "an empty mask names the mask file", arguments: ["inpaint", "PHOTO", "--mask", "black.png", "--model", "INPAINT", "--prompt", "a", "--steps", "1", "--output", "o.png"],
             status: 1, message: "black.png: the mask is empty"),
    ]

    /// Copies the 64 px fixture photo and mask into a fresh folder, adds the case's files and FIFOs.
    static func workspace(for hostile: Case) throws -> URL {
        let directory = try Fixtures.temporaryDirectory("retouch-hostile")
        try FileManager.default.copyItem(at: Fixtures.url("pipelines/inputs/coffee-64.png"), to: directory.appendingPathComponent("photo.png"))
        try FileManager.default.copyItem(at: Fixtures.url("pipelines/inputs/mask-64.png"), to: directory.appendingPathComponent("mask.png"))
        if hostile.arguments.contains("black.png") {
            // An all-black 64 px PNG: the photo converted to a one-channel mask of zeros.
            let black = try Self.run(["mask", "photo.png", "--output", "black.png", "--rectangle", "-200,-200,10,10"], in: directory)
            #expect(black.status == 0, "\(black.stderr)")
        }
        for (path, contents) in hostile.files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents.write(to: url, atomically: true, encoding: .utf8)
        }
        for fifo in hostile.fifos { #expect(mkfifo(directory.appendingPathComponent(fifo).path, 0o644) == 0) }
        return directory
    }

    /// Runs `retouch ARGS` in `directory` with extra environment variables, killing it after `timeout` seconds.
    static func run(_ arguments: [String], in directory: URL, environment: [String: String] = [:],
                    timeout: TimeInterval = 120) throws -> (status: Int32, stderr: String, timedOut: Bool) {
        let process = Process()
        process.executableURL = ConvertCommandTests.executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        let timedOut = process.isRunning
        if timedOut { process.terminate() }
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text, timedOut)
    }

    /// Every file under `directory` (relative path → contents; FIFOs as a marker), to prove nothing was written.
    static func snapshot(_ directory: URL) -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        while let path = enumerator?.nextObject() as? String {
            var status = stat()
            let full = directory.appendingPathComponent(path).path
            guard lstat(full, &status) == 0 else { continue }
            switch status.st_mode & S_IFMT {
            case S_IFREG: files[path] = FileManager.default.contents(atPath: full) ?? Data()
            case S_IFDIR: files[path + "/"] = Data()
            default: files[path] = Data("special \(status.st_mode & S_IFMT)".utf8)
            }
        }
        return files
    }

    @Test("hostile input fails clearly, writes nothing and changes no input", arguments: cases)
    func refuses(_ hostile: Case) throws {
        let directory = try Self.workspace(for: hostile)
        let before = Self.snapshot(directory)
        let substitutions = ["PHOTO": "photo.png", "MASK": "mask.png",
                             "SD1": Fixtures.url("models/tiny-sd1").path, "INPAINT": Fixtures.url("models/tiny-inpaint").path]
        let arguments = hostile.arguments.map { argument in
            substitutions.reduce(argument) { text, pair in text.replacingOccurrences(of: pair.key, with: pair.value) }
        }
        let result = try Self.run(arguments, in: directory, environment: hostile.environment)
        #expect(!result.timedOut, "hung")
        #expect(result.status == hostile.status, "\(result.stderr)")
        #expect(result.stderr.contains(hostile.message), "\(result.stderr)")
        #expect(!result.stderr.contains("NSCocoaErrorDomain") && !result.stderr.contains("Fatal error"), "\(result.stderr)")
        // A `run` whose photo fails part-way records that in its folder's journal and summary; no image is written.
        let bookkeeping: Set<String> = ["out/", "out/.retouch-journal.jsonl", "out/summary.json", "out/.retouch-batch.lock"]
        let after = Self.snapshot(directory).filter { !(hostile.runtimeFailure && bookkeeping.contains($0.key)) }
        #expect(after == before, "files were written or changed")
        var device = stat()
        #expect(stat("/dev/null", &device) == 0 && (device.st_mode & S_IFMT) == S_IFCHR)
    }

    @Test("a rectangle mask partly or wholly outside the photo is clipped, not a wild write")
    func rectangleOutsideIsClipped() throws {
        let directory = try Self.workspace(for: Case(label: "", arguments: [], status: 0, message: ""))
        for (box, expectedWhite) in [("-10,-10,20,20", 100), ("60,60,50,50", 16), ("500,500,10,10", 0), ("-100,-100,50,50", 0)] {
            let result = try Self.run(["mask", "photo.png", "--output", "m.png", "--rectangle", box], in: directory)
            #expect(result.status == 0, "\(box): \(result.stderr)")
            let mask = try Mask.read(directory.appendingPathComponent("m.png"))
            #expect(mask.values.filter { $0 > 0.5 }.count == expectedWhite, "\(box)")
        }
    }

    @Test("--seed -1 means a random seed, as in AUTOMATIC1111")
    func seedMinusOne() throws {
        let directory = try Self.workspace(for: Case(label: "", arguments: [], status: 0, message: ""))
        let result = try Self.run(["remove", "photo.png", "--mask", "mask.png", "--seed", "-1", "--output", "o.png"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("o.png").path))
    }

    @Test("a batch rerun with a different recipe refuses to resume, and --no-resume starts over")
    func batchFingerprint() throws {
        let directory = try Self.workspace(for: Case(label: "", arguments: [], status: 0, message: "",
            files: ["a.yaml": "steps:\n  - resize: {width: 8, height: 8}\n", "b.yaml": "steps:\n  - resize: {width: 16, height: 16}\n",
                    "m.csv": "image\nphoto.png\n"]))
        let first = try Self.run(["batch", "a.yaml", "--input", "m.csv", "--output", "out"], in: directory)
        #expect(first.status == 0, "\(first.stderr)")
        let made = try Data(contentsOf: directory.appendingPathComponent("out/photo.png"))
        let changed = try Self.run(["batch", "b.yaml", "--input", "m.csv", "--output", "out"], in: directory)
        #expect(changed.status == 1)
        #expect(changed.stderr.contains("made by a different recipe, seed or model"), "\(changed.stderr)")
        #expect(try Data(contentsOf: directory.appendingPathComponent("out/photo.png")) == made)
        let seeded = try Self.run(["batch", "a.yaml", "--input", "m.csv", "--output", "out", "--seed", "9"], in: directory)
        #expect(seeded.status == 1, "a different seed is a different fingerprint")
        let same = try Self.run(["batch", "a.yaml", "--input", "m.csv", "--output", "out"], in: directory)
        #expect(same.status == 0, "\(same.stderr)")
        let fresh = try Self.run(["batch", "b.yaml", "--input", "m.csv", "--output", "out", "--no-resume"], in: directory)
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(try Data(contentsOf: directory.appendingPathComponent("out/photo.png")) != made)
    }

    @Test("a second batch on a locked output folder says so and exits")
    func batchLock() throws {
        let directory = try Self.workspace(for: Case(label: "", arguments: [], status: 0, message: "",
            files: ["a.yaml": "steps:\n  - resize: {width: 8, height: 8}\n", "m.csv": "image\nphoto.png\n", "out/.keep": ""]))
        let lockPath = directory.appendingPathComponent("out/.retouch-batch.lock").path
        let descriptor = open(lockPath, O_RDWR | O_CREAT, 0o644)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        #expect(flock(descriptor, LOCK_EX | LOCK_NB) == 0)
        let blocked = try Self.run(["batch", "a.yaml", "--input", "m.csv", "--output", "out"], in: directory)
        #expect(blocked.status == 1)
        #expect(blocked.stderr.contains("another retouch batch is using this output folder"), "\(blocked.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("out/photo.png").path))
        flock(descriptor, LOCK_UN)
        let free = try Self.run(["batch", "a.yaml", "--input", "m.csv", "--output", "out"], in: directory)
        #expect(free.status == 0, "\(free.stderr)")
    }
}
