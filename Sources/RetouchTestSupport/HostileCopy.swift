import Foundation

/// Hostile variants of the committed fixture models, built in temporary folders (the fixtures are never touched).
public enum HostileCopy {
    /// A copy of `fixtures/models/<model>` in a fresh temporary folder (without its `reference/` arrays).
    public static func model(_ model: String) throws -> URL {
        let parent = try Fixtures.temporaryDirectory("retouch-hostile")
        let copy = parent.appendingPathComponent(model, isDirectory: true)
        try FileManager.default.copyItem(at: Fixtures.url("models/\(model)"), to: copy)
        try? FileManager.default.removeItem(at: copy.appendingPathComponent("reference"))
        return copy
    }

    /// Sets (or, with `nil`, removes) top-level `key` of the JSON object at `folder/file`.
    public static func edit(_ folder: URL, _ file: String, key: String, value: Any?) throws {
        let url = folder.appendingPathComponent(file)
        guard var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        object[key] = value
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: url)
    }

    /// Writes `text` to `folder/file`, replacing it.
    public static func write(_ folder: URL, _ file: String, _ text: String) throws {
        try Data(text.utf8).write(to: folder.appendingPathComponent(file))
    }
}
