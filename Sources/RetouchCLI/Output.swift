#if canImport(Glibc)
import Glibc
#endif

/// Flushes standard output so each benchmark line appears as soon as it is measured.
func fflushStdout() { fflush(stdout) }
