import Foundation
import RetouchImaging

/// Recipe fields decoded and range-checked in one step, so a bad value is a decoding error naming the step and the
/// field (`recipe.yaml: step 2: field 'inpaint.steps': must be a whole number from 1 to 1000; got 0`).
extension KeyedDecodingContainer {
    /// An optional whole number in `range`, or `fallback` when absent.
    func decode(_ key: Key, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        try checked(key) { try ParameterRules.check(try decodeIfPresent(Int.self, forKey: key) ?? fallback, key.stringValue, in: range) }
    }

    /// A required whole number in `range`.
    func decode(_ key: Key, in range: ClosedRange<Int>) throws -> Int {
        let value = try decode(Int.self, forKey: key)
        return try checked(key) { try ParameterRules.check(value, key.stringValue, in: range) }
    }

    /// An optional finite number in `range`, or `fallback` when absent.
    func decode(_ key: Key, default fallback: Double, in range: ClosedRange<Double>) throws -> Double {
        try checked(key) { try ParameterRules.check(try decodeIfPresent(Double.self, forKey: key) ?? fallback, key.stringValue, in: range) }
    }

    /// An optional choice among `T`'s raw values, or nil when absent.
    func decodeChoice<T: RawRepresentable & CaseIterable>(_ key: Key, as type: T.Type) throws -> T? where T.RawValue == String {
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return nil }
        return try checked(key) { try ParameterRules.choice(text, key.stringValue, as: type) }
    }

    /// An optional image size within the default pixel budget.
    func decodeSize(width: Key, height: Key) throws -> (width: Int, height: Int) {
        let w = try decode(Int.self, forKey: width), h = try decode(Int.self, forKey: height)
        try checked(width) { try ImageLimits.default.checkAllocation(width: w, height: h, what: "size") }
        return (w, h)
    }

    /// Runs `body`, turning a range error into a decoding error at `key` (so the path names step and field).
    private func checked<T>(_ key: Key, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as InvalidParameter {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: error.problem)
        } catch let error as ImageError {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: error.problem)
        }
    }
}
