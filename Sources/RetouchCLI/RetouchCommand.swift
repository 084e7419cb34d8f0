import ArgumentParser
import Foundation
import RetouchTensor

/// The `retouch` command: photo editing with Stable Diffusion on the CPU.
@main
struct RetouchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retouch",
        abstract: "Edit photos with Stable Diffusion on the CPU: remove, inpaint, outpaint, restyle.",
        version: "0.1.0",
        subcommands: [RemoveCommand.self, InpaintCommand.self, OutpaintCommand.self, VariationsCommand.self, WalkCommand.self, RunCommand.self, BatchCommand.self, MaskCommand.self, Img2ImgCommand.self, GenerateCommand.self, ConvertCommand.self, ModelsCommand.self, BenchCommand.self]
    )

    /// Sets the process's memory policy (`MemoryPolicy.reuseFreedBuffers`), then parses and runs the subcommand.
    static func main() async {
        if ProcessInfo.processInfo.environment["RETOUCH_MALLOC"] != "default" { MemoryPolicy.reuseFreedBuffers() }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

}
