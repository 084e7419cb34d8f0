import Foundation

extension BatchItem {
    /// The longest name an item may have (its output `<name>.png` must fit a file system's 255-byte names).
    public static let maximumNameBytes = 200

    /// Throws unless `name` is safe as the output file's name inside the output folder: not empty, no path
    /// separators, not `.`/`..` or starting with a dot (hidden files, the journal's namespace), no NUL or control
    /// characters, and at most `maximumNameBytes` bytes. `row` names where the name came from.
    public static func checkName(_ name: String, row: String) throws {
        func refuse(_ why: String) -> EditError {
            EditError(description: "\(row): the name '\(name.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : String($0) }.joined())' \(why)")
        }
        guard !name.isEmpty else { throw EditError(description: "\(row): the name is empty") }
        guard !name.contains("/"), !name.contains("\\") else { throw refuse("contains a path separator; names must be plain file names") }
        guard !name.hasPrefix(".") else { throw refuse("starts with a dot; names must be plain file names") }
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f || $0.properties.generalCategory == .control }) else {
            throw refuse("contains a control character")
        }
        guard name.utf8.count <= maximumNameBytes else { throw refuse("is longer than \(maximumNameBytes) bytes") }
    }
}
