import XCTest
import SeqHDF5

final class HDF5AttributeTests: HDF5TestCase {
    /// Sets one attribute of each kind on `object`.
    private func decorate(_ object: HDF5Object) throws {
        try object.setAttribute("model", "bilstm_attention")
        try object.setAttribute("note", "größe 日本 🧪")
        try object.setAttribute("hidden", 64)
        try object.setAttribute("negative", -9_000_000_000)
        try object.setAttribute("lr", 0.001)
        try object.setAttribute("sizes", [3, 1, 4])
        try object.setAttribute("scales", [0.5, -2.25])
    }

    private func check(_ object: HDF5Object) throws {
        XCTAssertEqual(try object.attributeNames(), ["hidden", "lr", "model", "negative", "note", "scales", "sizes"])
        XCTAssertEqual(try object.stringAttribute("model"), "bilstm_attention")
        XCTAssertEqual(try object.stringAttribute("note"), "größe 日本 🧪")
        XCTAssertEqual(try object.intAttribute("hidden"), 64)
        XCTAssertEqual(try object.intAttribute("negative"), -9_000_000_000)
        XCTAssertEqual(try object.doubleAttribute("lr"), 0.001)
        XCTAssertEqual(try object.doubleAttribute("hidden"), 64, "integers read as doubles")
        XCTAssertEqual(try object.attributeValue("model"), .string("bilstm_attention"))
        XCTAssertEqual(try object.attributeValue("hidden"), .int(64))
        XCTAssertEqual(try object.attributeValue("lr"), .double(0.001))
        XCTAssertEqual(try object.attributeValue("sizes"), .ints([3, 1, 4]))
        XCTAssertEqual(try object.attributeValue("scales"), .doubles([0.5, -2.25]))
        XCTAssertTrue(object.hasAttribute("model"))
        XCTAssertFalse(object.hasAttribute("absent"))
    }

    func testAttributesOnGroupsAndDatasetsRoundTrip() throws {
        let file = path("attributes.h5")
        do {
            let h5 = try HDF5File.create(file)
            try decorate(h5.root)
            try decorate(h5.root.createGroup("model/config"))
            try decorate(h5.root.write("model/weights", values: [1, 2] as [Float], shape: [2]))
            try decorate(h5.root.writeStrings("model/vocab", ["a", "b"]))
            try h5.close()
        }
        let h5 = try HDF5File.open(file)
        try check(h5.root)
        try check(h5.root.group("model/config"))
        try check(h5.root.dataset("model/weights"))
        try check(h5.root.dataset("model/vocab"))
        XCTAssertEqual(try h5.root.read("model/weights", as: Float.self).values, [1, 2], "data untouched")
    }

    func testSettingReplacesExistingAttributeOfAnotherType() throws {
        let h5 = try HDF5File.create(path("replace.h5"))
        try h5.root.setAttribute("value", "text")
        try h5.root.setAttribute("value", 42)
        XCTAssertEqual(try h5.root.attributeValue("value"), .int(42))
        try h5.root.setAttribute("value", 2.5)
        XCTAssertEqual(try h5.root.attributeValue("value"), .double(2.5))
        XCTAssertEqual(try h5.root.attributeNames(), ["value"])
    }

    func testEmptyArrayAttributes() throws {
        let h5 = try HDF5File.create(path("empty-attributes.h5"))
        try h5.root.setAttribute("no-ints", [] as [Int])
        try h5.root.setAttribute("no-doubles", [] as [Double])
        XCTAssertEqual(try h5.root.attributeValue("no-ints"), .ints([]))
        XCTAssertEqual(try h5.root.attributeValue("no-doubles"), .doubles([]))
        XCTAssertEqual(assertHDF5Error(try h5.root.intAttribute("no-ints"))?.reason,
                       "expected a single value, found shape [0]")
    }

    func testAttributeErrors() throws {
        let file = path("attribute-errors.h5")
        let h5 = try HDF5File.create(file)
        let group = try h5.root.createGroup("cfg")
        try group.setAttribute("name", "x")
        try group.setAttribute("count", 3)
        try group.setAttribute("ratio", 0.5)
        try group.setAttribute("list", [1, 2])

        let missing = assertHDF5Error(try group.stringAttribute("format"))
        XCTAssertEqual(missing?.description, "\(file): /cfg: read attribute 'format' failed: attribute does not exist")
        XCTAssertEqual(assertHDF5Error(try group.intAttribute("name"))?.reason,
                       "type mismatch: stored string, expected an integer")
        XCTAssertEqual(assertHDF5Error(try group.intAttribute("ratio"))?.reason,
                       "type mismatch: stored float64, expected an integer")
        XCTAssertEqual(assertHDF5Error(try group.doubleAttribute("name"))?.reason,
                       "type mismatch: stored string, cannot read as float64")
        XCTAssertEqual(assertHDF5Error(try group.stringAttribute("count"))?.reason,
                       "type mismatch: stored int64, expected a string")
        XCTAssertEqual(assertHDF5Error(try group.intAttribute("list"))?.reason,
                       "expected a single value, found shape [2]")
        XCTAssertEqual(assertHDF5Error(try group.setAttribute("", 1))?.reason, "attribute name is empty")
    }

    func testAttributeValueDescriptions() {
        XCTAssertEqual(HDF5AttributeValue.string("a\"b").description, #""a\"b""#)
        XCTAssertEqual(HDF5AttributeValue.int(-3).description, "-3")
        XCTAssertEqual(HDF5AttributeValue.double(0.5).description, "0.5")
        XCTAssertEqual(HDF5AttributeValue.ints([1, 2]).description, "[1, 2]")
        XCTAssertEqual(HDF5AttributeValue.doubles([1.5]).description, "[1.5]")
        XCTAssertEqual(HDF5AttributeValue.strings(["x", "y"]).description, #"["x", "y"]"#)
    }

    func testWritingToReadOnlyFileFails() throws {
        let file = path("readonly.h5")
        try HDF5File.create(file).close()
        let h5 = try HDF5File.open(file)
        XCTAssertFalse(h5.isWritable)
        let error = assertHDF5Error(try h5.root.setAttribute("x", 1))
        XCTAssertEqual(error?.description, "\(file): /: write attribute 'x' failed: file is open read-only")
        XCTAssertEqual(assertHDF5Error(try h5.root.createGroup("g"))?.reason, "file is open read-only")
        XCTAssertEqual(assertHDF5Error(try h5.root.write("d", values: [1] as [Float], shape: [1]))?.reason,
                       "file is open read-only")
        try h5.close()

        let writable = try HDF5File.open(file, writable: true)
        try writable.root.setAttribute("x", 1)
        try writable.close()
        XCTAssertEqual(try HDF5File.open(file).root.intAttribute("x"), 1)
    }
}
