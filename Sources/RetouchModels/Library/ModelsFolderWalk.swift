import Foundation

/// Walks one kind's folder for model files and diffusers folders, bounded against symlink loops and huge trees.
enum ModelsFolderWalk {
    /// Subfolder depth followed (AUTOMATIC1111 reads subfolders; loops through symlinks stop here).
    static let maxDepth = 8
    /// Entries looked at in one folder tree before giving up.
    static let maxEntries = 100_000

    /// Appends every model of `kind` under `folder` to `found`.
    static func collect(_ kind: ModelKind, in folder: URL, into found: inout [ModelEntry]) throws {
        var seen = 0
        try walk(kind, folder: folder, relative: "", depth: 0, seen: &seen, into: &found)
    }

    private static func walk(_ kind: ModelKind, folder: URL, relative: String, depth: Int, seen: inout Int,
                             into found: inout [ModelEntry]) throws {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw ModelLoadingError(origin: folder.path, problem: "cannot list the folder: \((error as NSError).localizedFailureReason ?? "unreadable")")
        }
        for name in names.sorted() where !name.hasPrefix(".") {
            seen += 1
            guard seen <= maxEntries else {
                throw ModelLoadingError(origin: folder.path, problem: "holds more than \(maxEntries) entries; Retouch stops listing there")
            }
            let url = folder.appendingPathComponent(name)
            let path = relative.isEmpty ? name : relative + "/" + name
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else { continue }
            if isFolder.boolValue {
                if let marker = kind.folderMarker, FileManager.default.fileExists(atPath: url.appendingPathComponent(marker).path) {
                    found.append(ModelEntry(kind: kind, name: path, fileName: path, url: url, isFolder: true))
                } else if depth < maxDepth {
                    try walk(kind, folder: url, relative: path, depth: depth + 1, seen: &seen, into: &found)
                }
            } else if kind.fileExtensions.contains(url.pathExtension.lowercased()) {
                let stem = (path as NSString).deletingPathExtension
                found.append(ModelEntry(kind: kind, name: stem, fileName: path, url: url, isFolder: false))
            }
        }
    }
}
