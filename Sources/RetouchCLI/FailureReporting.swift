import ArgumentParser
import Foundation

/// Prints `error: <error>` to standard error and returns the exit code a failed command throws.
func reportedFailure(_ error: Error) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    return ExitCode.failure
}

/// Runs a command's work: exit codes and usage errors (`ValidationError`) pass through to ArgumentParser, and any
/// other failure is printed as `error: <file or value>: <problem>` with a non-zero exit.
func reportingFailures(_ work: () throws -> Void) throws {
    do {
        try work()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        throw reportedFailure(error)
    }
}
