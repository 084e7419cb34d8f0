import ArgumentParser
import Foundation
import Retouch
import RetouchImaging

/// Flag checks through the library's `ParameterRules`, so a flag and the recipe field it mirrors share one range
/// and one message; a failure is a usage error (exit 64) naming the flag and the value.
enum FlagRules {
    /// Runs `body`, turning `InvalidParameter` and `ImageError` into usage errors.
    static func check(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as InvalidParameter {
            throw ValidationError("\(error.field) \(error.problem)")
        } catch let error as ImageError {
            throw ValidationError("\(error.file): \(error.problem)")
        }
    }
}

/// `--seed N`, or `--seed -1` for a random seed (AUTOMATIC1111's convention).
enum SeedOption: ExpressibleByArgument, Equatable, CustomStringConvertible {
    /// A new random seed for this run (recorded in the output).
    case random
    /// This seed.
    case value(UInt64)

    init?(argument: String) {
        if argument == "-1" { self = .random; return }
        guard let value = UInt64(argument) else { return nil }
        self = .value(value)
    }

    /// The seed to use: the given one, or a fresh random one.
    var resolved: UInt64 {
        switch self {
        case .random: UInt64.random(in: 0..<(1 << 32))
        case .value(let value): value
        }
    }

    static var defaultCompletionKind: CompletionKind { .default }

    /// `-1` for random, else the number (as help text shows a default).
    var description: String {
        switch self {
        case .random: "-1"
        case .value(let value): "\(value)"
        }
    }
}
