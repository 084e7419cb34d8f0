import Foundation

extension Fixtures {
    /// Every committed crash input of fuzz target `target` (`fixtures/fuzz/<target>/regressions/`), sorted by
    /// name; empty when the folder does not exist.
    public static func fuzzRegressions(_ target: String) -> [URL] {
        let folder = url("fuzz/\(target)/regressions")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { folder.appendingPathComponent($0) }
    }
}
