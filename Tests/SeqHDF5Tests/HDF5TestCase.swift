import Foundation
import XCTest
@testable import SeqHDF5

/// Base class: a fresh temporary directory per test, and a leak check after
/// every test (no HDF5 object or transient identifier left open).
class HDF5TestCase: XCTestCase {
    private(set) var directory: URL!
    private var transientMarker: HDF5Library.TransientMarker?

    override func setUpWithError() throws {
        try super.setUpWithError()
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("seqstore-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        XCTAssertEqual(HDF5Library.openObjectCount(), 0, "an earlier test leaked HDF5 objects")
        transientMarker = HDF5Library.transientMarker()
    }

    override func tearDownWithError() throws {
        XCTAssertEqual(HDF5Library.openObjectCount(), 0, "test leaked HDF5 objects")
        if let transientMarker {
            XCTAssertEqual(HDF5Library.leakedTransients(since: transientMarker), [],
                           "test leaked dataspaces, datatypes or property lists")
        }
        if let directory { try? FileManager.default.removeItem(at: directory) }
        try super.tearDownWithError()
    }

    /// A path inside this test's temporary directory.
    func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// Names of the entries in the temporary directory (including hidden ones).
    func directoryEntries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    /// Asserts that `body` throws an `HDF5Error` and returns it.
    @discardableResult
    func assertHDF5Error<R>(_ body: @autoclosure () throws -> R,
                            file: StaticString = #filePath, line: UInt = #line) -> HDF5Error? {
        do {
            _ = try body()
            XCTFail("expected an HDF5Error", file: file, line: line)
            return nil
        } catch let error as HDF5Error {
            XCTAssertFalse(error.description.contains("\n"), "description must be one line", file: file, line: line)
            return error
        } catch {
            XCTFail("expected an HDF5Error, got \(error)", file: file, line: line)
            return nil
        }
    }
}
