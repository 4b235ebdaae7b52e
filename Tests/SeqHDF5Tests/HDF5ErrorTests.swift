import Foundation
import XCTest
import SeqHDF5

final class HDF5ErrorTests: HDF5TestCase {
    /// Writes a small valid file and returns its path.
    private func validFile(_ name: String) throws -> String {
        let file = path(name)
        try HDF5File.writeAtomically(to: file) { h5 in
            try h5.root.write("params/rnn/weight_ih_l0", values: (0 ..< 1200).map(Double.init), shape: [40, 30])
            try h5.root.writeStrings("vocab", ["<pad>", "a", "b"])
            try h5.root.setAttribute("format", "seqbench")
        }
        return file
    }

    func testDescriptionFormat() {
        let error = HDF5Error(file: "tmp/x.h5", object: "/params/rnn/weight_ih_l0",
                              operation: "read dataset", reason: "dataset does not exist")
        XCTAssertEqual(error.description,
                       "tmp/x.h5: /params/rnn/weight_ih_l0: read dataset failed: dataset does not exist")
        let multiline = HDF5Error(file: "f", object: "/", operation: "open", reason: "line one\nline  two")
        XCTAssertEqual(multiline.description, "f: /: open failed: line one line two")
    }

    func testMissingFile() throws {
        let file = path("missing.h5")
        let error = assertHDF5Error(try HDF5File.open(file))
        XCTAssertEqual(error?.description, "\(file): /: open failed: file does not exist")
        XCTAssertEqual(error?.file, file)
        XCTAssertEqual(error?.object, "/")
    }

    func testRandomBytesFile() throws {
        let file = path("random.h5")
        var generator = SystemRandomNumberGenerator()
        let bytes = (0 ..< 4096).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let error = assertHDF5Error(try HDF5File.open(file))
        XCTAssertEqual(error?.description, "\(file): /: open failed: not an HDF5 file")
        XCTAssertNotNil(assertHDF5Error(try HDF5File.open(file, writable: true)))
    }

    func testEmptyFile() throws {
        let file = path("empty.h5")
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data()))
        let error = assertHDF5Error(try HDF5File.open(file))
        XCTAssertEqual(error?.description, "\(file): /: open failed: file is empty, not an HDF5 file")
    }

    func testDirectoryIsNotAFile() throws {
        let error = assertHDF5Error(try HDF5File.open(directory.path))
        XCTAssertEqual(error?.reason, "is a directory")
    }

    func testTruncatedFile() throws {
        let source = try validFile("whole.h5")
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        XCTAssertGreaterThan(data.count, 9600, "the dataset alone is 9600 bytes")
        let file = path("truncated.h5")
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: file))
        let error = assertHDF5Error(try HDF5File.open(file))
        XCTAssertEqual(error?.file, file)
        XCTAssertEqual(error?.object, "/")
        XCTAssertEqual(error?.operation, "open")
        XCTAssertTrue(error?.reason.hasPrefix("truncated file") ?? false, error?.reason ?? "")
        XCTAssertTrue(error?.description.hasPrefix("\(file): /: open failed: truncated file") ?? false)
    }

    func testMissingDatasetAndGroupObjects() throws {
        let file = try validFile("objects.h5")
        let h5 = try HDF5File.open(file)
        let missing = assertHDF5Error(try h5.root.read("params/rnn/weight_hh_l0", as: Float.self))
        XCTAssertEqual(missing?.description,
                       "\(file): /params/rnn/weight_hh_l0: read dataset failed: dataset does not exist")
        let deep = assertHDF5Error(try h5.root.group("params").read("nope/deeper/x", as: Float.self))
        XCTAssertEqual(deep?.object, "/params/nope/deeper/x")
        XCTAssertEqual(deep?.reason, "dataset does not exist")
        XCTAssertEqual(assertHDF5Error(try h5.root.readStrings("vocab2"))?.description,
                       "\(file): /vocab2: read string dataset failed: dataset does not exist")
        XCTAssertEqual(assertHDF5Error(try h5.root.datasetInfo("params/x"))?.reason, "dataset does not exist")
    }

    func testStringDatasetReadAsNumbers() throws {
        let file = try validFile("types.h5")
        let h5 = try HDF5File.open(file)
        let error = assertHDF5Error(try h5.root.read("vocab", as: Float.self))
        XCTAssertEqual(error?.description,
                       "\(file): /vocab: read dataset failed: type mismatch: stored string, cannot read as float32")
        let reverse = assertHDF5Error(try h5.root.readStrings("params/rnn/weight_ih_l0"))
        XCTAssertEqual(reverse?.description, "\(file): /params/rnn/weight_ih_l0: read string dataset failed: "
            + "type mismatch: stored float64, expected strings")
    }

    func testErrorsDoNotPrintOnOtherThreads() throws {
        // In a thread-safe HDF5 build the error auto-printing switch is per
        // thread, so failures on a fresh thread must also stay silent on
        // stderr and still come back as HDF5Errors.
        let file = path("thread-missing.h5")
        let random = path("thread-random.h5")
        let unwritable = path("no-dir/x.h5")
        try Data((0 ..< 512).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: URL(fileURLWithPath: random))
        let box = ResultBox()
        let captured = try captureStandardError {
            let thread = Thread {
                do { _ = try HDF5File.open(file) } catch { box.append(error) }
                do { _ = try HDF5File.create(unwritable) } catch { box.append(error) }
                do { _ = try HDF5File.open(random) } catch { box.append(error) }
                box.done.signal()
            }
            thread.start()
            box.done.wait()
        }
        XCTAssertEqual(captured, "", "HDF5 printed its error stack")
        XCTAssertEqual(box.errors.compactMap { ($0 as? HDF5Error)?.reason },
                       ["file does not exist", "no such file or directory", "not an HDF5 file"])
    }

    /// Runs `body` with file descriptor 2 redirected to a file; returns what was written.
    private func captureStandardError(_ body: () throws -> Void) throws -> String {
        let capture = path("stderr.txt")
        fflush(nil)
        let saved = dup(STDERR_FILENO)
        let descriptor = open(capture, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        XCTAssertGreaterThanOrEqual(descriptor, 0)
        dup2(descriptor, STDERR_FILENO)
        defer {
            fflush(nil)
            dup2(saved, STDERR_FILENO)
            close(saved)
            close(descriptor)
        }
        try body()
        fflush(nil)
        return try String(contentsOfFile: capture, encoding: .utf8)
    }
}

private final class ResultBox: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var stored: [Error] = []
    func append(_ error: Error) { lock.lock(); stored.append(error); lock.unlock() }
    var errors: [Error] { lock.lock(); defer { lock.unlock() }; return stored }
}
