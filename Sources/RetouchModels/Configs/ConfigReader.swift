import Foundation
import RetouchFiles

/// Reads a diffusers/transformers `config.json` into typed values, normalising at the boundary.
///
/// Every accessor names the file and key in its errors; `requireDefault` turns options Retouch does not
/// implement into errors instead of silent defaults.
public struct ConfigReader {
    /// The file's path (for messages).
    public let file: String
    /// The decoded JSON object.
    public let values: [String: JSONValue]

    /// Parses JSON `data` that came from `file`.
    public init(data: Data, file: String) throws {
        guard let values = try? JSONDecoder().decode([String: JSONValue].self, from: data) else {
            throw ConfigError(file: file, problem: "not a JSON object")
        }
        self.file = file
        self.values = values
    }

    /// Values already decoded (a config built in code, or another component's), reported as coming from `file`.
    public init(values: [String: JSONValue], file: String) {
        self.file = file
        self.values = values
    }

    /// Reads and parses the file at `url`.
    public init(url: URL) throws {
        let data: Data
        do { data = try InputFile.data(url, maxBytes: InputFile.Limit.config, what: "config file") } catch let problem as FileProblem {
            throw ConfigError(file: url.path, problem: problem.problem)
        }
        try self.init(data: data, file: url.path)
    }

    func fail(_ key: String, _ problem: String) -> ConfigError { ConfigError(file: file, key: key, problem: problem) }

    /// Whether `key` is present and not null.
    public func has(_ key: String) -> Bool { values[key].map { $0 != .null } ?? false }

    private func present(_ key: String) -> JSONValue? { has(key) ? values[key] : nil }

    /// An integer (JSON numbers with no fraction).
    public func int(_ key: String, default fallback: Int? = nil) throws -> Int {
        guard let value = present(key) else {
            if let fallback { return fallback }
            throw fail(key, "missing")
        }
        guard let integer = value.integer else { throw fail(key, "expected an integer, got \(value.text)") }
        return integer
    }

    /// A number.
    public func double(_ key: String, default fallback: Double? = nil) throws -> Double {
        guard let value = present(key) else {
            if let fallback { return fallback }
            throw fail(key, "missing")
        }
        guard case .number(let number) = value else { throw fail(key, "expected a number, got \(value.text)") }
        guard number.isFinite else { throw fail(key, "value \(number) is not a finite number") }
        return number
    }

    /// A boolean.
    public func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let value = present(key) else { return fallback }
        guard case .bool(let flag) = value else { throw fail(key, "expected true or false, got \(value.text)") }
        return flag
    }

    /// A string.
    public func string(_ key: String, default fallback: String? = nil) throws -> String {
        guard let value = present(key) else {
            if let fallback { return fallback }
            throw fail(key, "missing")
        }
        guard case .string(let text) = value else { throw fail(key, "expected a string, got \(value.text)") }
        return text
    }

    /// A list of integers.
    public func ints(_ key: String) throws -> [Int] {
        guard let value = present(key) else { throw fail(key, "missing") }
        guard case .array(let list) = value, list.allSatisfy({ $0.integer != nil }) else {
            throw fail(key, "expected a list of integers, got \(value.text)")
        }
        return list.compactMap(\.integer)
    }

    /// A list of strings.
    public func strings(_ key: String) throws -> [String] {
        guard let value = present(key) else { throw fail(key, "missing") }
        guard case .array(let list) = value else { throw fail(key, "expected a list of strings, got \(value.text)") }
        return try list.map {
            guard case .string(let text) = $0 else { throw fail(key, "expected a list of strings, got \(value.text)") }
            return text
        }
    }

    /// diffusers' scalar-or-list fields: an integer applies to every one of `count` blocks, a list must have `count` entries.
    public func perBlock(_ key: String, count: Int, default fallback: Int? = nil) throws -> [Int] {
        guard let value = present(key) else {
            if let fallback { return Array(repeating: fallback, count: count) }
            throw fail(key, "missing")
        }
        if let single = value.integer { return Array(repeating: single, count: count) }
        let list = try ints(key)
        guard list.count == count else { throw fail(key, "has \(list.count) entries for \(count) blocks") }
        return list
    }

    /// A string turned into an enum, with the allowed values in the error.
    public func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, default fallback: E? = nil) throws -> E
    where E.RawValue == String {
        guard has(key) else {
            if let fallback { return fallback }
            throw fail(key, "missing")
        }
        let raw = try string(key)
        guard let value = E(rawValue: raw) else {
            throw fail(key, "unsupported value '\(raw)' (supported: \(E.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return value
    }

    /// Fails unless `key` is absent, null, or equal to `expected` (options Retouch does not implement).
    public func requireDefault(_ key: String, _ expected: JSONValue) throws {
        guard let value = present(key), value != expected else { return }
        if case .number(let a) = value, case .number(let b) = expected, a == b { return }
        throw fail(key, "unsupported value \(value.text) (Retouch supports \(expected.text) only)")
    }
}
