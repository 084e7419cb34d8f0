import Foundation

/// Paths to the committed test fixtures under the package's top-level `fixtures/` folder.
public enum Fixtures {
    /// The package's `fixtures/` folder, located from this source file so tests run from any directory.
    public static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()   // RetouchTestSupport
        .deletingLastPathComponent()   // Sources
        .deletingLastPathComponent()   // package root
        .appendingPathComponent("fixtures", isDirectory: true)

    /// The URL of `relativePath` inside `fixtures/`.
    public static func url(_ relativePath: String) -> URL {
        directory.appendingPathComponent(relativePath)
    }

    /// A fresh, empty temporary directory for one test.
    public static func temporaryDirectory(_ label: String = "retouch-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
