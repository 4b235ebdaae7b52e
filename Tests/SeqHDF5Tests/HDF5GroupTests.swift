import XCTest
import SeqHDF5

final class HDF5GroupTests: HDF5TestCase {
    func testNestedCreateGroupExistsAndChildNames() throws {
        let file = path("groups.h5")
        do {
            let h5 = try HDF5File.create(file)
            let rnn = try h5.root.createGroup("params/rnn/layer0")
            XCTAssertEqual(rnn.path, "/params/rnn/layer0")
            XCTAssertEqual(rnn.name, "layer0")
            try h5.root.createGroup("params/classifier")
            try h5.root.createGroup("/zeta")
            try h5.root.createGroup("alpha")
            try rnn.write("weight", values: [1, 2] as [Float], shape: [2])
            try h5.close()
        }
        let h5 = try HDF5File.open(file)
        XCTAssertEqual(try h5.root.childNames(), ["alpha", "params", "zeta"])
        XCTAssertEqual(try h5.root.group("params").childNames(), ["classifier", "rnn"])
        XCTAssertEqual(try h5.root.group("params/rnn/layer0").childNames(), ["weight"])
        XCTAssertEqual(try h5.root.group("alpha").childNames(), [])

        XCTAssertTrue(h5.root.exists("params"))
        XCTAssertTrue(h5.root.exists("params/rnn/layer0/weight"))
        XCTAssertTrue(h5.root.exists("/params//rnn/./layer0"))
        XCTAssertTrue(h5.root.exists(""))
        XCTAssertTrue(h5.root.exists("/"))
        XCTAssertFalse(h5.root.exists("missing"))
        XCTAssertFalse(h5.root.exists("missing/deeper/still"), "missing intermediates are not an error")
        XCTAssertFalse(h5.root.exists("params/rnn/layer0/weight/below"), "below a dataset")
        XCTAssertFalse(h5.root.exists("params/nothing/layer0"))

        XCTAssertEqual(h5.root.kind(of: "params/rnn"), .group)
        XCTAssertEqual(h5.root.kind(of: "params/rnn/layer0/weight"), .dataset)
        XCTAssertEqual(h5.root.kind(of: "params/rnn/missing"), .none)
        XCTAssertEqual(h5.root.kind(of: "no/such/thing"), .none)

        let params = try h5.root.group("params")
        XCTAssertTrue(params.exists("rnn/layer0"))
        XCTAssertEqual(params.kind(of: "rnn/layer0/weight"), .dataset)
        XCTAssertEqual(try params.group("rnn").path, "/params/rnn")
    }

    func testCreateGroupIsIdempotentAndRefusesDatasets() throws {
        let h5 = try HDF5File.create(path("idempotent.h5"))
        let first = try h5.root.createGroup("a/b")
        try first.setAttribute("marker", 1)
        let again = try h5.root.createGroup("a/b")
        XCTAssertEqual(try again.intAttribute("marker"), 1, "existing group is opened, not recreated")
        try h5.root.write("a/data", values: [1] as [Int32], shape: [1])
        let clash = assertHDF5Error(try h5.root.createGroup("a/data"))
        XCTAssertEqual(clash?.reason, "a dataset exists at this path")
        let below = assertHDF5Error(try h5.root.createGroup("a/data/sub"))
        XCTAssertEqual(below?.reason, "/a/data is a dataset, not a group")
        let overGroup = assertHDF5Error(try h5.root.write("a/b", values: [1] as [Int32], shape: [1]))
        XCTAssertEqual(overGroup?.reason, "a group exists at this path")
        XCTAssertEqual(h5.root.kind(of: "a/b"), .group)
    }

    func testWriteCreatesIntermediateGroups() throws {
        let h5 = try HDF5File.create(path("intermediate.h5"))
        let sub = try h5.root.createGroup("x")
        try sub.write("deep/er/values", values: [1.5] as [Double], shape: [])
        XCTAssertEqual(h5.root.kind(of: "x/deep"), .group)
        XCTAssertEqual(h5.root.kind(of: "x/deep/er"), .group)
        XCTAssertEqual(try h5.root.read("x/deep/er/values", as: Double.self).scalar, 1.5)
    }

    func testOpeningWrongKindsFails() throws {
        let file = path("kinds.h5")
        let h5 = try HDF5File.create(file)
        try h5.root.write("d", values: [1] as [Int32], shape: [1])
        try h5.root.createGroup("g")
        XCTAssertEqual(assertHDF5Error(try h5.root.group("d"))?.reason, "object is a dataset, not a group")
        XCTAssertEqual(assertHDF5Error(try h5.root.group("nope/deeper"))?.description,
                       "\(file): /nope/deeper: open group failed: group does not exist")
        XCTAssertEqual(assertHDF5Error(try h5.root.read("g", as: Float.self))?.reason,
                       "object is a group, not a dataset")
        XCTAssertEqual(assertHDF5Error(try h5.root.dataset("g/missing"))?.reason, "dataset does not exist")
    }

    func testUnicodeNames() throws {
        let file = path("unicode-names.h5")
        do {
            let h5 = try HDF5File.create(file)
            try h5.root.createGroup("größe/值")
            try h5.root.write("größe/値", values: [3] as [Int64], shape: [])
            try h5.close()
        }
        let h5 = try HDF5File.open(file)
        XCTAssertEqual(try h5.root.group("größe").childNames(), ["值", "値"].sorted())
        XCTAssertEqual(try h5.root.read("größe/値", as: Int64.self).scalar, 3)
    }
}
