import Foundation
import RetouchFiles
import Yams

/// A recipe file: the DSL's steps as YAML or JSON (`steps:` then one-key step objects), one-to-one with `Edit`.
public enum Recipe {
    /// Reads a recipe; errors name the file, the step number and the field.
    public static func load(_ url: URL) throws -> Edit {
        let text: String
        do { text = try InputFile.text(url, maxBytes: InputFile.Limit.recipe, what: "recipe") } catch let problem as FileProblem {
            throw EditError(description: problem.description)
        }
        return try decode(text, file: url.relativePath)
    }

    /// Decodes recipe text (YAML, of which JSON is a subset).
    public static func decode(_ text: String, file: String) throws -> Edit {
        try YAMLLimits().check(text, file: file)
        do {
            return try YAMLDecoder().decode(Edit.self, from: text)
        } catch let error as DecodingError {
            throw EditError(description: "\(file): \(describe(error))")
        } catch {
            throw EditError(description: "\(file): not valid YAML or JSON: \(error)")
        }
    }

    /// The recipe as YAML text.
    public static func encode(_ edit: Edit) throws -> String { try YAMLEncoder().encode(edit) }

    /// "step 2: field 'strength': expected a number", from a decoding error's path.
    static func describe(_ error: DecodingError) -> String {
        let (path, message): ([CodingKey], String) = {
            switch error {
            case .typeMismatch(let type, let context): return (context.codingPath, "expected \(typeName(type))")
            case .valueNotFound(let type, let context): return (context.codingPath, "expected \(typeName(type))")
            case .keyNotFound(let key, let context): return (context.codingPath + [key], "is required")
            case .dataCorrupted(let context): return (context.codingPath, context.debugDescription)
            @unknown default: return ([], "malformed")
            }
        }()
        var parts: [String] = []
        var fields: [String] = []
        for (position, key) in path.enumerated() {
            if let index = key.intValue { parts.append("step \(index + 1)") }
            else if position > 0 || key.stringValue != "steps" { fields.append(key.stringValue) }   // not the top-level list
        }
        if !fields.isEmpty { parts.append("field '\(fields.joined(separator: "."))'") }
        return (parts + [message]).joined(separator: ": ")
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Int.Type, is UInt64.Type: "a whole number"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "true or false"
        default: "\(type)"
        }
    }
}
