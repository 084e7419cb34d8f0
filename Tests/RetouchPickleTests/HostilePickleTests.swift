import Foundation
import Testing
import RetouchPickle
import RetouchTestSupport

/// Pickles that would run code (each creates a marker file when torch.load(weights_only=False) unpickles it, which
/// the generator checked) are refused naming the global they wanted, and nothing runs: the marker never appears.
struct HostilePickleTests {
    static let files = (PickleCheckpointTests.manifest?.hostile ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value.global, $0.value.marker) }

    @Test("the hostile fixtures cover os.system, posix.system, eval, exec, subprocess.Popen, getattr and the legacy format")
    func coverage() {
        #expect(Set(Self.files.map(\.1)) == ["os.system", "posix.system", "builtins.eval", "__builtin__.exec",
                                              "subprocess.Popen", "builtins.getattr"])
        #expect(Self.files.contains { $0.0.hasPrefix("legacy") })
    }

    @Test("refused naming the global, and nothing was run", arguments: files)
    func refused(file: String, global: String, marker: String) throws {
        try? FileManager.default.removeItem(atPath: marker)
        let url = Fixtures.url("pickle/hostile/\(file)")
        do {
            _ = try PickleCheckpoint(url: url)
            Issue.record("\(file) was accepted")
        } catch let error as PickleError {
            #expect(error.file == url.path)
            #expect(error.problem.hasPrefix("wants the global '\(global)', which is not on Retouch's allow-list of data types; nothing was run"),
                    "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: marker), "\(marker) exists: something ran")
    }

    @Test("globals outside the allow-list are refused wherever they appear (GLOBAL, STACK_GLOBAL, INST)", arguments: [
        (Array("cbuiltins\neval\n.".utf8), "builtins.eval"),
        ([0x80, 0x04, 0x8C, 0x02] + Array("os".utf8) + [0x8C, 0x06] + Array("system".utf8) + [0x93, 0x2E], "os.system"),
        (Array("(isubprocess\nPopen\n.".utf8), "subprocess.Popen"),
        (Array("cnumpy.core.multiarray\n_reconstruct\n.".utf8), "numpy.core.multiarray._reconstruct"),
        (Array("ctorch.nn.modules.container\nParameterDict\n.".utf8), "torch.nn.modules.container.ParameterDict"),
    ] as [([UInt8], String)])
    func refusedGlobals(bytes: [UInt8], global: String) throws {
        #expect { try PickleReader.pythonRepr(of: bytes, path: "x.pkl") } throws: { error in
            "\(error)".hasPrefix("x.pkl: wants the global '\(global)'")
        }
    }
}
