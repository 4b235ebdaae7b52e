import Foundation
import SeqTensor
import XCTest

/// Cache sizes as sysfs lists them (`cpu0/cache/indexK/{level,type,size}`).
final class CPUCachesTests: XCTestCase {
    func testSizesParseAsTheKernelWritesThem() {
        XCTAssertEqual(CPUCaches.bytes("1024K"), 1 << 20)
        XCTAssertEqual(CPUCaches.bytes("2M"), 2 << 20)
        XCTAssertEqual(CPUCaches.bytes("48K"), 48 << 10)
        XCTAssertEqual(CPUCaches.bytes("32768"), 32768)
        for bad in ["", "K", "-1K", "0K", "1.5M", "12Q", "99999999999999999999G"] {
            XCTAssertNil(CPUCaches.bytes(bad), bad)
        }
    }

    /// The level-2 data or unified entry, whatever its index; nil when there is none.
    func testLevel2IsFoundAmongTheIndexEntries() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("caches-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        func entry(_ index: Int, level: Int, type: String, size: String) throws {
            let dir = root.appendingPathComponent("index\(index)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try "\(level)\n".write(to: dir.appendingPathComponent("level"), atomically: true, encoding: .utf8)
            try "\(type)\n".write(to: dir.appendingPathComponent("type"), atomically: true, encoding: .utf8)
            try "\(size)\n".write(to: dir.appendingPathComponent("size"), atomically: true, encoding: .utf8)
        }
        XCTAssertNil(CPUCaches.level2Bytes(in: root.path))
        try entry(0, level: 1, type: "Data", size: "48K")
        try entry(1, level: 1, type: "Instruction", size: "32K")
        XCTAssertNil(CPUCaches.level2Bytes(in: root.path))
        try entry(2, level: 2, type: "Unified", size: "2048K")
        try entry(3, level: 3, type: "Unified", size: "107520K")
        XCTAssertEqual(CPUCaches.level2Bytes(in: root.path), 2 << 20)
        XCTAssertGreaterThan(CPUCaches.level2Bytes, 0, "this machine's, or the 1 MiB fallback")
    }
}
