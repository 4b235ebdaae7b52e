#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Prints a line and flushes at once, so progress reaches a log file or pipe as it happens
/// (stdout is block-buffered when it is not a terminal).
func say(_ line: String = "") {
    print(line)
    fflush(nil)   // nil flushes every output stream; naming `stdout` is rejected in Swift 6 mode
}
