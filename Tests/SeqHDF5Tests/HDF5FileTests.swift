import Foundation
import XCTest
import SeqHDF5

final class HDF5FileTests: HDF5TestCase {
    func testWriteAtomicallyLeavesOnlyTheTarget() throws {
        let target = path("model.h5")
        try HDF5File.writeAtomically(to: target) { file in
            XCTAssertTrue(file.path.contains("/.model.h5.tmp-\(getpid())-"), file.path)
            XCTAssertNotEqual(file.path, target)
            try file.root.write("params/w", values: [1, 2, 3] as [Float], shape: [3])
            try file.root.setAttribute("format", "seqbench")
        }
        XCTAssertEqual(try directoryEntries(), ["model.h5"], "no temporary file left behind")
        let h5 = try HDF5File.open(target)
        XCTAssertEqual(try h5.root.read("params/w", as: Float.self).values, [1, 2, 3])
        XCTAssertEqual(try h5.root.stringAttribute("format"), "seqbench")
    }

    func testWriteAtomicallyReplacesExistingFile() throws {
        let target = path("model.h5")
        try HDF5File.writeAtomically(to: target) { try $0.root.setAttribute("version", 1) }
        try HDF5File.writeAtomically(to: target) { try $0.root.setAttribute("version", 2) }
        XCTAssertEqual(try HDF5File.open(target).root.intAttribute("version"), 2)
        XCTAssertEqual(try directoryEntries(), ["model.h5"])
    }

    private struct Boom: Error {}

    func testWriteAtomicallyFailureLeavesNothing() throws {
        let target = path("model.h5")
        XCTAssertThrowsError(try HDF5File.writeAtomically(to: target) { file in
            try file.root.write("half/written", values: [1, 2] as [Double], shape: [2])
            _ = try file.root.createGroup("kept/open")  // still open when the error hits
            throw Boom()
        }) { error in
            XCTAssertTrue(error is Boom, "body's error is rethrown unchanged: \(error)")
        }
        XCTAssertEqual(try directoryEntries(), [], "neither the target nor a temporary file exists")

        // An HDF5 error inside the body behaves the same.
        let error = assertHDF5Error(try HDF5File.writeAtomically(to: target) { file in
            _ = try file.root.read("missing", as: Float.self)
        })
        XCTAssertEqual(error?.reason, "dataset does not exist")
        XCTAssertEqual(try directoryEntries(), [])
    }

    func testWriteAtomicallyFailureKeepsPreviousFile() throws {
        let target = path("model.h5")
        try HDF5File.writeAtomically(to: target) { try $0.root.setAttribute("version", 1) }
        XCTAssertThrowsError(try HDF5File.writeAtomically(to: target) { file in
            try file.root.setAttribute("version", 2)
            throw Boom()
        })
        XCTAssertEqual(try directoryEntries(), ["model.h5"])
        XCTAssertEqual(try HDF5File.open(target).root.intAttribute("version"), 1)
    }

    func testWriteAtomicallyIntoMissingDirectoryFails() throws {
        let target = path("no-such-dir/model.h5")
        let error = assertHDF5Error(try HDF5File.writeAtomically(to: target) { _ in
            XCTFail("body must not run")
        })
        XCTAssertEqual(error?.description, "\(target): /: create temporary file failed: no such file or directory")
        XCTAssertEqual(try directoryEntries(), [])
    }

    func testOpenAndClose200FilesLeaksNothing() throws {
        let file = path("many.h5")
        do {
            let h5 = try HDF5File.create(file)
            try h5.root.write("g/d", values: [1, 2] as [Int32], shape: [2])
            try h5.root.group("g").setAttribute("a", "x")
            try h5.close()
        }
        for index in 0 ..< 200 {
            let h5 = try HDF5File.open(file)
            let group = try h5.root.group("g")
            let dataset = try group.dataset("d")
            XCTAssertEqual(try dataset.read(as: Int32.self).values, [1, 2])
            XCTAssertEqual(try group.stringAttribute("a"), "x")
            XCTAssertEqual(try h5.root.childNames(), ["g"])
            XCTAssertGreaterThanOrEqual(HDF5Library.openObjectCount(), 4)  // file, root, group, dataset
            if index.isMultiple(of: 2) {
                try h5.close()  // explicit close: closes group and dataset too
                XCTAssertEqual(HDF5Library.openObjectCount(), 0)
            }
            // odd iterations: everything is closed when the objects go away
        }
        XCTAssertEqual(HDF5Library.openObjectCount(), 0)

        // 200 distinct files, some created and left to deinit.
        for index in 0 ..< 200 {
            let h5 = try HDF5File.create(path("file\(index).h5"))
            try h5.root.write("x", values: [Double(index)], shape: [])
            if index.isMultiple(of: 3) { try h5.close() }
        }
        XCTAssertEqual(HDF5Library.openObjectCount(), 0)
        XCTAssertEqual(try HDF5File.open(path("file199.h5")).root.read("x", as: Double.self).scalar, 199)
        XCTAssertEqual(HDF5Library.openObjectCount(), 0)
    }

    func testObjectsOutliveTheirFileObject() throws {
        let file = path("outlive.h5")
        do {
            let h5 = try HDF5File.create(file)
            try h5.root.write("g/d", values: [7] as [Int64], shape: [1])
        }
        XCTAssertEqual(HDF5Library.openObjectCount(), 0)
        var group: HDF5Group? = try HDF5File.open(file).root.group("g")
        XCTAssertEqual(HDF5Library.openObjectCount(), 2, "file and group stay open while the group is used")
        XCTAssertEqual(try group?.read("d", as: Int64.self).values, [7])
        group = nil
        XCTAssertEqual(HDF5Library.openObjectCount(), 0)
    }

    func testUseAfterCloseThrows() throws {
        let file = path("closed.h5")
        let h5 = try HDF5File.create(file)
        let group = try h5.root.createGroup("g")
        let dataset = try group.write("d", values: [1] as [Float], shape: [1])
        try h5.close()
        try h5.close()  // second close is a no-op
        XCTAssertFalse(h5.isOpen)
        XCTAssertFalse(group.isOpen)
        XCTAssertEqual(HDF5Library.openObjectCount(), 0)
        XCTAssertEqual(assertHDF5Error(try dataset.read(as: Float.self))?.description,
                       "\(file): /g/d: read dataset failed: file is closed")
        XCTAssertEqual(assertHDF5Error(try group.childNames())?.reason, "file is closed")
        XCTAssertEqual(assertHDF5Error(try h5.root.setAttribute("x", 1))?.reason, "file is closed")
        XCTAssertFalse(group.exists("d"))
        XCTAssertEqual(group.kind(of: "d"), .none)
        XCTAssertEqual(assertHDF5Error(try h5.flush())?.reason, "file is closed")
    }

    func testCreateTruncatesExistingFile() throws {
        let file = path("truncate.h5")
        do {
            let h5 = try HDF5File.create(file)
            try h5.root.write("old", values: [1] as [Float], shape: [1])
            try h5.close()
        }
        let h5 = try HDF5File.create(file)
        XCTAssertEqual(try h5.root.childNames(), [])
    }

    func testH5DumpAcceptsWrittenFile() throws {
        guard let h5dump = findExecutable("h5dump") else {
            throw XCTSkip("h5dump is not installed (apt-get install hdf5-tools)")
        }
        let file = path("dump.h5")
        try HDF5File.writeAtomically(to: file) { h5 in
            try h5.root.setAttribute("format", "seqbench.checkpoint")
            try h5.root.write("params/rnn/weight", values: (0 ..< 6).map(Float.init), shape: [2, 3])
            try h5.root.write("params/rnn/steps", values: [5] as [Int64], shape: [])
            try h5.root.writeStrings("vocab", ["a", "ß"])
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: h5dump)
        process.arguments = ["-H", file]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(text.contains(#"DATASET "weight""#), text)
        XCTAssertTrue(text.contains("H5T_IEEE_F32LE"), text)
        XCTAssertTrue(text.contains("H5T_STD_I64LE"), text)
        XCTAssertTrue(text.contains("H5T_CSET_UTF8"), text)
        XCTAssertTrue(text.contains("SIMPLE { ( 2, 3 ) / ( 2, 3 ) }"), text)
    }

    private func findExecutable(_ name: String) -> String? {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return searchPath.split(separator: ":")
            .map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
