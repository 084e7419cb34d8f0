import Foundation

/// A value a user supplied (a flag, a recipe or manifest field) that is out of its allowed range.
///
/// Its description reads `<field>: <problem>`, e.g. `--steps: must be a whole number from 1 to 1000; got 0`.
public struct InvalidParameter: Error, CustomStringConvertible, Equatable, Sendable {
    /// The flag or field, as the user wrote it (`--steps`, `inpaint.steps`).
    public let field: String
    /// What is wrong, with the value and the allowed range.
    public let problem: String

    /// Creates an error.
    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    /// `<field>: <problem>`.
    public var description: String { "\(field): \(problem)" }
}

/// The allowed ranges of every number a user supplies, checked once where it is decoded (CLI flags, recipe steps,
/// manifests): finite, in range, and sizes within the pixel budget. Past the boundary, values are known-good.
public enum ParameterRules {
    /// Denoising steps: 1…1000 (diffusers' schedulers train on 1000 timesteps; more steps than that repeat them).
    public static let steps: ClosedRange<Int> = 1...1000
    /// Classifier-free guidance: finite, 0…100 (AUTOMATIC1111's slider stops at 30).
    public static let guidance: ClosedRange<Double> = 0...100
    /// TCD's stochasticity γ (`eta`): finite, 0…1 (diffusers asserts the same range).
    public static let eta: ClosedRange<Double> = 0...1
    /// Denoising strength: 0…1.
    public static let strength: ClosedRange<Double> = 0...1
    /// Blur and feather radii in pixels: 0…1000 (AUTOMATIC1111's mask blur stops at 64).
    public static let blur: ClosedRange<Double> = 0...1000
    /// Grow, shrink, padding, overlap and margins in pixels: 0…65535.
    public static let pixels: ClosedRange<Int> = 0...65_535
    /// Counts of images a command makes (variations, walk frames): 1…1000.
    public static let count: ClosedRange<Int> = 1...1000

    /// `value`, or an error unless it lies in `range`.
    @discardableResult
    public static func check(_ value: Int, _ field: String, in range: ClosedRange<Int>) throws -> Int {
        guard range.contains(value) else {
            throw InvalidParameter(field: field, problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound); got \(value)")
        }
        return value
    }

    /// `value`, or an error unless it is finite and lies in `range`.
    @discardableResult
    public static func check(_ value: Double, _ field: String, in range: ClosedRange<Double>) throws -> Double {
        guard value.isFinite else { throw InvalidParameter(field: field, problem: "must be a finite number; got \(value)") }
        guard range.contains(value) else {
            throw InvalidParameter(field: field, problem: "must be from \(number(range.lowerBound)) to \(number(range.upperBound)); got \(number(value))")
        }
        return value
    }

    /// The case of `T` whose raw value is `text`, or an error listing the choices.
    public static func choice<T: RawRepresentable & CaseIterable>(_ text: String, _ field: String, as type: T.Type = T.self) throws -> T
    where T.RawValue == String {
        guard let value = T(rawValue: text) else {
            throw InvalidParameter(field: field, problem: "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")); got '\(text)'")
        }
        return value
    }

    /// `1`, `0.5`, `1e+09`: a number as a user would write it.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
