import XCTest
@testable import SeqHDF5

/// Tests that need internal helpers.
///
/// h5py writes numpy bytes (`np.bytes_`, dtype `S`) as fixed-length,
/// NUL-padded strings; the first tests produce that layout through internal
/// writers and check that the public readers accept it.
final class HDF5InternalTests: HDF5TestCase {
    func testFixedLengthStringAttributes() throws {
        let file = path("fixed-attributes.h5")
        do {
            let h5 = try HDF5File.create(file)
            try h5.root.setFixedLengthStringAttribute("format", "seqbench.reference")
            try h5.root.setFixedLengthStringAttribute("label", "größe", utf8: true)
            let data = try h5.root.write("d", values: [1] as [Float], shape: [1])
            try data.setFixedLengthStringAttribute("unit", "m/s")
            try h5.close()
        }
        let h5 = try HDF5File.open(file)
        XCTAssertEqual(try h5.root.stringAttribute("format"), "seqbench.reference")
        XCTAssertEqual(try h5.root.stringAttribute("label"), "größe")
        XCTAssertEqual(try h5.root.attributeValue("format"), .string("seqbench.reference"))
        XCTAssertEqual(try h5.root.dataset("d").stringAttribute("unit"), "m/s")
    }

    func testFixedLengthStringDatasets() throws {
        let h5 = try HDF5File.create(path("fixed.h5"))
        try h5.root.writeFixedLengthStrings("codes", ["A", "BCD", "", "EF"])
        XCTAssertEqual(try h5.root.readStrings("codes"), ["A", "BCD", "", "EF"])
        XCTAssertEqual(try h5.root.datasetInfo("codes").typeDescription, "string")
        try h5.root.writeFixedLengthStrings("utf8", ["ü", "日本"], utf8: true)
        XCTAssertEqual(try h5.root.readStrings("utf8"), ["ü", "日本"])
    }

    func testAbsurdSizesAreRefusedBeforeAllocating() {
        // A damaged file can claim dimensions whose buffer would not fit in
        // memory; Swift cannot recover from a failed allocation, so the size
        // is checked first.
        let context = HDF5ErrorContext(file: "f.h5", object: "/d", operation: "read dataset")
        XCTAssertThrowsError(try HDF5IO.checkAllocation(count: 1 << 60, elementSize: 8, context)) { error in
            XCTAssertEqual((error as? HDF5Error)?.reason, "data too large to read (1152921504606846976 elements of 8 bytes)")
        }
        XCTAssertThrowsError(try HDF5IO.checkAllocation(count: .max, elementSize: 4, context))
        XCTAssertNoThrow(try HDF5IO.checkAllocation(count: 1 << 20, elementSize: 8, context))
    }
}
