import Foundation
import XCTest
@testable import SeqHDF5

/// Untrusted files built with h5py: links and storage that reach outside the file, unknown filters,
/// cycles and absurd shapes are refused with an error naming the object, never followed or allocated.
final class HostileFileTests: HDF5TestCase {
    /// Writes `base.h5` (with `/params/w`, a float32 [2, 3] dataset, and `/other.h5` holding `/w`) with
    /// SeqHDF5, then lets h5py run `edit` on it (`f` is the open file, `d` the test directory, `w` the
    /// data of `/params/w`). Skips when h5py is missing.
    private func hostile(_ name: String, _ edit: String) throws -> String {
        let file = path(name + ".h5")
        let h5 = try HDF5File.create(file)
        try h5.root.write("params/w", values: [Float](repeating: 1, count: 6), shape: [2, 3])
        try h5.close()
        let other = try HDF5File.create(path("other.h5"))
        try other.root.write("w", values: [Float](repeating: 2, count: 6), shape: [2, 3])
        try other.close()
        let script = """
            import sys, os, numpy as np, h5py
            d = sys.argv[2]
            f = h5py.File(sys.argv[1], 'r+')
            w = f['params/w'][()]
            \(edit.split(separator: "\n").joined(separator: "\n"))
            f.close()
            """
        try python(["-c", script, file, directory.path])
        return file
    }

    private func python(_ arguments: [String]) throws {
        guard run(["-c", "import h5py"]) == 0 else { throw XCTSkip("python3 with h5py is not available") }
        XCTAssertEqual(run(arguments), 0, "h5py script failed")
    }

    @discardableResult
    private func run(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.standardOutput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Reading `/params/w` fails with an error on `object` whose reason contains `fragment`.
    private func assertRefused(_ file: String, object: String = "/params/w", _ fragment: String,
                               line: UInt = #line) throws {
        let h5 = try HDF5File.open(file)
        defer { try? h5.close() }
        for attempt in [{ _ = try h5.root.read("params/w", as: Float.self) },
                        { _ = try h5.root.dataset("params/w") },
                        { _ = try h5.root.datasetInfo("params/w") },
                        { _ = try h5.root.group("params").read("w", as: Double.self) }] {
            guard let error = assertHDF5Error(try attempt(), line: line) else { continue }
            XCTAssertEqual(error.file, file, line: line)
            XCTAssertEqual(error.object, object, line: line)
            XCTAssertTrue(error.reason.contains(fragment), "\(error)", line: line)
        }
    }

    func testExternalStorageIsRefused() throws {
        let file = try hostile("external_storage", """
            s = os.path.join(d, 'secret.bin'); w.astype('<f4').tofile(s)
            del f['params/w']; f.create_dataset('params/w', shape=w.shape, dtype='<f4', external=[(s, 0, w.nbytes)])
            """)
        try assertRefused(file, "stored in an external file; seqbench reads only self-contained files")
        let h5 = try HDF5File.open(file)
        defer { try? h5.close() }
        let error = assertHDF5Error(try h5.root.read("params/w", as: Float.self))
        XCTAssertEqual(error?.isRefusal, true)
        XCTAssertEqual(error?.description,
                       "\(file): /params/w: stored in an external file; seqbench reads only self-contained files")
    }

    func testExternalLinkIsNeverFollowed() throws {
        let file = try hostile("external_link", """
            del f['params/w']; f['params/w'] = h5py.ExternalLink(os.path.join(d, 'other.h5'), '/w')
            f['params/g'] = h5py.ExternalLink(os.path.join(d, 'other.h5'), '/')
            """)
        try assertRefused(file, "is an external link to another file; seqbench reads only self-contained files")
        let h5 = try HDF5File.open(file)
        defer { try? h5.close() }
        // Present, but not followed: no kind, and every way in names the link.
        XCTAssertTrue(h5.root.exists("params/w"))
        XCTAssertEqual(h5.root.kind(of: "params/w"), .none)
        XCTAssertEqual(h5.root.kind(of: "params/g/w"), .none)
        XCTAssertEqual(assertHDF5Error(try h5.root.checkLinks("params/w"))?.object, "/params/w")
        // A link in the middle of a path is named, not the path's end.
        XCTAssertEqual(assertHDF5Error(try h5.root.read("params/g/w", as: Float.self))?.object, "/params/g")
        XCTAssertEqual(assertHDF5Error(try h5.root.group("params/g"))?.object, "/params/g")
        XCTAssertEqual(try h5.root.group("params").childNames(), ["g", "w"])
    }

    func testSoftLinkIsRefused() throws {
        let file = try hostile("soft_link", """
            f['elsewhere'] = w; del f['params/w']; f['params/w'] = h5py.SoftLink('/elsewhere')
            """)
        try assertRefused(file, "is a soft link")
    }

    func testVirtualDatasetIsRefused() throws {
        let file = try hostile("vds", """
            del f['params/w']
            layout = h5py.VirtualLayout(shape=w.shape, dtype='<f4')
            layout[...] = h5py.VirtualSource(os.path.join(d, 'other.h5'), 'w', shape=w.shape)
            f.create_virtual_dataset('params/w', layout)
            """)
        try assertRefused(file, "is a virtual dataset")
    }

    func testUnknownFilterIsRefused() throws {
        // An optional filter that is not registered: HDF5 writes the data unfiltered but records the filter.
        let file = try hostile("unknown_filter", """
            del f['params/w']
            dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE); dcpl.set_chunk(w.shape)
            dcpl.set_filter(31999, h5py.h5z.FLAG_OPTIONAL, (1,))
            h5py.h5d.create(f['params'].id, b'w', h5py.h5t.IEEE_F32LE, h5py.h5s.create_simple(w.shape), dcpl=dcpl)
            f['params/w'][...] = w
            """)
        try assertRefused(file, "uses filter 31999")
    }

    func testAllowedFilterReads() throws {
        let file = try hostile("deflate", """
            del f['params/w']; f.create_dataset('params/w', data=w, compression='gzip', shuffle=True, fletcher32=True)
            """)
        let h5 = try HDF5File.open(file)
        defer { try? h5.close() }
        XCTAssertEqual(try h5.root.read("params/w", as: Float.self).values, [Float](repeating: 1, count: 6))
    }

    func testHugeShapeIsRefusedBeforeAllocating() throws {
        let file = try hostile("huge", """
            f.create_dataset('params/huge', shape=(2**31,), dtype='<f4', chunks=(4096,))
            f.create_dataset('params/overflow', shape=(2**40, 2**40), dtype='<f4', chunks=(1, 1))
            f.create_dataset('params/names', shape=(2**31,), dtype=h5py.string_dtype(), chunks=(4096,))
            """)
        let h5 = try HDF5File.open(file)
        defer { try? h5.close() }
        let huge = assertHDF5Error(try h5.root.read("params/huge", as: Float.self))
        XCTAssertEqual(huge?.object, "/params/huge")
        XCTAssertEqual(huge?.reason, "shape [2147483648] has 2147483648 elements, more than the per-read limit of 268435456")
        let overflow = assertHDF5Error(try h5.root.read("params/overflow", as: Float.self))
        XCTAssertEqual(overflow?.reason, "shape [1099511627776, 1099511627776] has too many elements (the product overflows)")
        XCTAssertTrue(assertHDF5Error(try h5.root.readStrings("params/names"))?.reason.contains("per-read limit") == true)
        // Only reads are limited: the shape itself can still be inspected.
        XCTAssertEqual(try h5.root.datasetInfo("params/huge").shape, [1 << 31])
    }

    func testReadLimitIsConfigurable() throws {
        let file = try hostile("small", "")
        let saved = HDF5ReadLimits.maxElementsPerRead
        defer { HDF5ReadLimits.maxElementsPerRead = saved }
        HDF5ReadLimits.maxElementsPerRead = 5
        let h5 = try HDF5File.open(file)
        defer { try? h5.close() }
        XCTAssertEqual(assertHDF5Error(try h5.root.read("params/w", as: Float.self))?.reason,
                       "shape [2, 3] has 6 elements, more than the per-read limit of 5")
        HDF5ReadLimits.maxElementsPerRead = 6
        XCTAssertEqual(try h5.root.read("params/w", as: Float.self).values.count, 6)
    }

    func testHardLinkCycleHasOneAddress() throws {
        let file = try hostile("cycle", "f['params/loop'] = f['/']")
        let h5 = try HDF5File.open(file)
        defer { try? h5.close() }
        XCTAssertEqual(try h5.root.group("params/loop").address, try h5.root.address)
        XCTAssertEqual(try h5.root.group("params/loop/params/loop/params").address, try h5.root.group("params").address)
        XCTAssertNotEqual(try h5.root.group("params").address, try h5.root.address)
    }
}
