/// Stops the program with `message` when `condition` is false, in every build configuration.
///
/// Release builds compile with `-Ounchecked`, which removes `precondition` and Swift's own bounds checks. Every
/// library's argument checks (shapes in front of the C kernels' pointer arithmetic, pixel counts in front of
/// image indexing, the models' checks on their inputs) use this instead, so a wrong argument stops with its
/// message rather than reading or writing out of bounds. Checks run once per call, never per element.
@inlinable
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                    file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
