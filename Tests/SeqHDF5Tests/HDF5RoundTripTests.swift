import XCTest
import SeqHDF5

final class HDF5RoundTripTests: HDF5TestCase {
    /// Values 0, 1, 2, ... (with a fractional part for floats) of a given shape.
    private func sample<T: HDF5Scalar>(_ shape: [Int], _ make: (Int) -> T) -> HDF5Array<T> {
        let count = shape.reduce(1, *)
        return HDF5Array(shape: shape, values: (0 ..< count).map(make))
    }

    private let shapes: [[Int]] = [[], [5], [2, 3], [2, 3, 4]]

    private func roundTrip<T: HDF5Scalar>(_ type: T.Type, stored: String, _ make: (Int) -> T) throws {
        let file = path("\(stored).h5")
        var written: [[Int]: HDF5Array<T>] = [:]
        do {
            let h5 = try HDF5File.create(file)
            for shape in shapes {
                let array = sample(shape, make)
                written[shape] = array
                try h5.root.write("data/rank\(shape.count)", array)
            }
            try h5.close()
        }
        let h5 = try HDF5File.open(file)
        for shape in shapes {
            let read = try h5.root.read("data/rank\(shape.count)", as: T.self)
            XCTAssertEqual(read, written[shape], "rank \(shape.count)")
            XCTAssertEqual(read.shape, shape)
            let info = try h5.root.datasetInfo("data/rank\(shape.count)")
            XCTAssertEqual(info.shape, shape)
            XCTAssertEqual(info.typeDescription, stored)
        }
        XCTAssertEqual(try h5.root.read("data/rank0", as: T.self).scalar, make(0))
        try h5.close()
    }

    func testFloatRoundTripRanks0To3() throws {
        try roundTrip(Float.self, stored: "float32") { Float($0) * 0.25 - 1.5 }
    }

    func testDoubleRoundTripRanks0To3() throws {
        try roundTrip(Double.self, stored: "float64") { Double($0) / 3 - 7 }
    }

    func testInt32RoundTripRanks0To3() throws {
        try roundTrip(Int32.self, stored: "int32") { Int32($0) * -1_000_003 }
    }

    func testInt64RoundTripRanks0To3() throws {
        try roundTrip(Int64.self, stored: "int64") { Int64($0) * 3_000_000_000_017 - 5 }
    }

    func testExtremeValuesSurvive() throws {
        let file = path("extremes.h5")
        let h5 = try HDF5File.create(file)
        let doubles: [Double] = [.infinity, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude, -0.0]
        let ints: [Int64] = [.min, .max, 0]
        try h5.root.write("d", HDF5Array(doubles))
        try h5.root.write("i", HDF5Array(ints))
        XCTAssertEqual(try h5.root.read("d", as: Double.self).values, doubles)
        XCTAssertEqual(try h5.root.read("i", as: Int64.self).values, ints)
        let nan = try h5.root.write("nan", values: [Float.nan], shape: [1])
        XCTAssertTrue(try nan.read(as: Float.self).values[0].isNaN)
    }

    func testConversionReadDoubleAsFloat() throws {
        let h5 = try HDF5File.create(path("convert.h5"))
        let values: [Double] = [0.1, 1.0 / 3.0, -2.5, 1e30]
        try h5.root.write("weights", values: values, shape: [2, 2])
        let asFloat = try h5.root.read("weights", as: Float.self)
        XCTAssertEqual(asFloat.shape, [2, 2])
        XCTAssertEqual(asFloat.values, values.map { Float($0) })
        XCTAssertEqual(try h5.root.datasetInfo("weights").typeDescription, "float64")
        // Integers convert to floating point too.
        try h5.root.write("labels", HDF5Array<Int32>([1, -2, 3]))
        XCTAssertEqual(try h5.root.read("labels", as: Double.self).values, [1, -2, 3])
        XCTAssertEqual(try h5.root.read("labels", as: Int64.self).values, [1, -2, 3])
    }

    func testEmptyArrayRoundTrip() throws {
        let h5 = try HDF5File.create(path("empty.h5"))
        try h5.root.write("none", HDF5Array<Float>(shape: [0, 3], values: []))
        let read = try h5.root.read("none", as: Float.self)
        XCTAssertEqual(read.shape, [0, 3])
        XCTAssertEqual(read.values, [])
        try h5.root.writeStrings("no-strings", [])
        XCTAssertEqual(try h5.root.readStrings("no-strings"), [])
    }

    func testOverwriteReplacesDataset() throws {
        let file = path("overwrite.h5")
        let h5 = try HDF5File.create(file)
        try h5.root.write("x", values: [1, 2, 3] as [Int32], shape: [3])
        try h5.root.write("x", values: [4.5, 5.5] as [Double], shape: [1, 2])
        let read = try h5.root.read("x", as: Double.self)
        XCTAssertEqual(read, HDF5Array(shape: [1, 2], values: [4.5, 5.5]))
        XCTAssertEqual(try h5.root.datasetInfo("x").typeDescription, "float64")
        XCTAssertEqual(try h5.root.childNames(), ["x"])
    }

    func testStringsRoundTripIncludingUnicode() throws {
        let file = path("strings.h5")
        let strings = ["plain", "", "naïve café", "日本語テキスト", "emoji 🧬🚀", "tab\tand\nnewline", "Ünïcödé"]
        do {
            let h5 = try HDF5File.create(file)
            try h5.root.writeStrings("vocab/tokens", strings)
            try h5.close()
        }
        let h5 = try HDF5File.open(file)
        XCTAssertEqual(try h5.root.readStrings("vocab/tokens"), strings)
        let info = try h5.root.datasetInfo("vocab/tokens")
        XCTAssertEqual(info.shape, [strings.count])
        XCTAssertEqual(info.typeDescription, "string")
    }

    func testStringWithNULIsRejected() throws {
        let h5 = try HDF5File.create(path("nul.h5"))
        let error = assertHDF5Error(try h5.root.writeStrings("s", ["a\u{0}b"]))
        XCTAssertEqual(error?.reason, "strings must not contain NUL characters")
        XCTAssertFalse(h5.root.exists("s"))
    }

    func testShapeAndCountValidation() throws {
        let h5 = try HDF5File.create(path("validate.h5"))
        let tooFew = assertHDF5Error(try h5.root.write("a", values: [1, 2, 3] as [Float], shape: [2, 2]))
        XCTAssertEqual(tooFew?.reason, "shape [2, 2] needs 4 values, got 3")
        XCTAssertEqual(tooFew?.object, "/a")
        let negative = assertHDF5Error(try h5.root.write("b", values: [] as [Float], shape: [-1]))
        XCTAssertEqual(negative?.reason, "invalid shape [-1]")
        let scalarWithTwo = assertHDF5Error(try h5.root.write("c", HDF5Array<Int64>(shape: [], values: [1, 2])))
        XCTAssertNotNil(scalarWithTwo)
        XCTAssertEqual(try h5.root.childNames(), [], "nothing is created for invalid input")

        try h5.root.write("w", values: [Float](repeating: 1, count: 6), shape: [2, 3])
        let wrongShape = assertHDF5Error(try h5.root.read("w", as: Float.self, expectedShape: [3, 2]))
        XCTAssertEqual(wrongShape?.description,
                       "\(path("validate.h5")): /w: read dataset failed: shape mismatch: expected [3, 2], found [2, 3]")
        let wrongRank = assertHDF5Error(try h5.root.read("w", as: Float.self, expectedShape: [6]))
        XCTAssertEqual(wrongRank?.reason, "shape mismatch: expected [6], found [2, 3]")
        XCTAssertEqual(try h5.root.read("w", as: Float.self, expectedShape: [2, 3]).values.count, 6)
    }

    func testDatasetObjectAndWriteResult() throws {
        let h5 = try HDF5File.create(path("dataset.h5"))
        let written = try h5.root.write("a/b/c", values: [1, 2, 3, 4, 5, 6] as [Int32], shape: [3, 2])
        XCTAssertEqual(written.path, "/a/b/c")
        XCTAssertEqual(written.name, "c")
        let dataset = try h5.root.group("a").dataset("b/c")
        XCTAssertEqual(try dataset.shape, [3, 2])
        XCTAssertEqual(try dataset.typeDescription, "int32")
        XCTAssertEqual(try dataset.read(as: Int32.self).values, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try h5.root.group("a/b").read("/a/b/c", as: Int64.self).values, [1, 2, 3, 4, 5, 6],
                       "absolute paths resolve from the file root")
    }
}
