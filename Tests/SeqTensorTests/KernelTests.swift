import Foundation
import SeqTensor
import XCTest

final class SIMDMathTests: XCTestCase {
    /// Values from −30 to 30 plus the edges of the tanh branch switch and tiny magnitudes.
    let grid: [Float] = stride(from: -30.0, through: 30.0, by: 0.0137).map { Float($0) }
        + [0, 1e-6, -1e-6, 1e-3, 0.2999, 0.3, 0.3001, -0.3, 88, -87, 100, -100]

    private func maxRelativeError(_ f: (Vec16) -> Vec16, _ reference: (Double) -> Double, floor: Double) -> Double {
        var worst = 0.0
        for x in grid {
            let got = Double(f(Vec16(repeating: x))[0])
            let want = reference(Double(x))
            worst = max(worst, abs(got - want) / max(abs(want), floor))
        }
        return worst
    }

    func testExpIsAccurate() {
        // Float32 has 6e-8 relative precision; a few ulp of error is the design target.
        let grid = self.grid.filter { $0 > -87 && $0 < 88 }
        var worst = 0.0
        for x in grid { worst = max(worst, abs(Double(SIMDMath.exp(Vec16(repeating: x))[0]) - Foundation.exp(Double(x))) / Foundation.exp(Double(x))) }
        XCTAssertLessThan(worst, 4e-7)
    }

    func testSigmoidAndTanhAreAccurate() {
        XCTAssertLessThan(maxRelativeError(SIMDMath.sigmoid, { 1 / (1 + Foundation.exp(-$0)) }, floor: 1e-30), 5e-7)
        XCTAssertLessThan(maxRelativeError(SIMDMath.tanh, Foundation.tanh, floor: 1e-30), 5e-7)
        XCTAssertEqual(SIMDMath.tanh(Vec16(repeating: 100))[0], 1)
        XCTAssertEqual(SIMDMath.tanh(Vec16(repeating: -100))[0], -1)
        XCTAssertEqual(SIMDMath.sigmoid(Vec16(repeating: -100))[0], 0, accuracy: 1e-37)
    }

    func testBufferKernelsHandleTails() {
        for n in [1, 15, 16, 17, 33] {
            var x = (0..<n).map { Float($0) * 0.3 - 2 }
            var s = x, t = x
            Elementwise.sigmoid(x, &s, count: n)
            Elementwise.tanh(x, &t, count: n)
            for i in 0..<n {
                XCTAssertEqual(Double(s[i]), 1 / (1 + Foundation.exp(-Double(x[i]))), accuracy: 1e-6)
                XCTAssertEqual(Double(t[i]), Foundation.tanh(Double(x[i])), accuracy: 1e-6)
            }
            Elementwise.softmax(&x, count: n)
            XCTAssertEqual(x.reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertTrue(zip(x, x.dropFirst()).allSatisfy { $0 < $1 }, "softmax keeps the order")
        }
    }

    func testPortableLog() {
        for x in [1e-300, 1e-10, 0.5, 0.7071, 1, 1.4142, 2, 10, 12345.678, 1e300] {
            XCTAssertEqual(portableLog(x), Foundation.log(x), accuracy: 1e-15 * max(1, abs(Foundation.log(x))))
        }
        XCTAssertTrue(portableLog(.nan).isNaN)
        XCTAssertTrue(portableLog(-1).isNaN)
        XCTAssertEqual(portableLog(0), -.infinity)
        XCTAssertEqual(portableLog(.infinity), .infinity)
    }
}

/// Row-major reference with explicit leading dimensions.
func referenceProduct(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: [Float], _ lda: Int,
                       _ b: [Float], _ ldb: Int, _ beta: Float, _ c: [Float], _ ldc: Int) -> [Float] {
    var out = c
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                let av = ta ? a[p * lda + i] : a[i * lda + p]
                let bv = tb ? b[j * ldb + p] : b[p * ldb + j]
                s += Double(av) * Double(bv)
            }
            out[i * ldc + j] = Float(s) + beta * c[i * ldc + j]
        }
    }
    return out
}

final class GEMMTests: XCTestCase {
    func testAllTransposesWithPaddedLeadingDimensions() {
        check(m: 5, n: 7, k: 9)
    }

    /// Large enough to be split by rows across threads: every transpose still matches, and the split
    /// result is reproducible bit for bit.
    func testRowSplitProductsMatchTheReference() {
        ComputeThreads.set(2)
        defer { ComputeThreads.set(nil) }
        check(m: 600, n: 70, k: 100)   // 4.2 M MACs: two parts of at least 2 M
    }

    private func check(m: Int, n: Int, k: Int) {
        var rng = SeededRNG(seed: 3)
        for ta in [false, true] {
            for tb in [false, true] {
                let lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 3, ldc = n + 1
                let a = (0..<((ta ? k : m) * lda)).map { _ in rng.uniform(-1, 1) }
                let b = (0..<((tb ? n : k) * ldb)).map { _ in rng.uniform(-1, 1) }
                let c0 = (0..<(m * ldc)).map { _ in rng.uniform(-1, 1) }
                var c = c0
                let count = FlopCounter.measure {
                    GEMM.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                               beta: 0.5, c: &c, ldc: ldc)
                }
                let want = referenceProduct(ta, tb, m, n, k, a, lda, b, ldb, 0.5, c0, ldc)
                for i in 0..<m { for j in 0..<n { XCTAssertEqual(c[i * ldc + j], want[i * ldc + j], accuracy: 1e-5) } }
                XCTAssertEqual(count, FlopCount(macs: m * n * k))
                var again = c0
                GEMM.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 0.5, c: &again, ldc: ldc)
                XCTAssertEqual(again, c, "reproducible")
                XCTAssertEqual(count.matmulFlops, 2 * m * n * k)
            }
        }
    }

    func testZeroInnerDimensionScalesC() {
        var c: [Float] = [1, 2, 3, 4]
        GEMM.sgemm(transA: false, transB: false, m: 2, n: 2, k: 0, a: [], lda: 1, b: [], ldb: 2, beta: 0.5, c: &c, ldc: 2)
        XCTAssertEqual(c, [0.5, 1, 1.5, 2])
    }
}

final class RNGTests: XCTestCase {
    func testSplitMix64ReferenceValues() {
        // Published SplitMix64 outputs for seed 0 (Vigna's reference implementation).
        var rng = SeededRNG(seed: 0)
        XCTAssertEqual(rng.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(rng.next(), 0x6E78_9E6A_A1B9_65F4)
        XCTAssertEqual(rng.next(), 0x06C4_5D18_8009_454F)
    }

    func testStreamsAreIndependentAndReproducible() {
        var a = SeededRNG(seed: 5, stream: "init"), b = SeededRNG(seed: 5, stream: "init"), c = SeededRNG(seed: 5, stream: "data")
        let xa = (0..<8).map { _ in a.next() }
        XCTAssertEqual(xa, (0..<8).map { _ in b.next() })
        XCTAssertNotEqual(xa, (0..<8).map { _ in c.next() })
    }

    func testDistributions() {
        var rng = SeededRNG(seed: 9)
        let n = 100_000
        let normals = (0..<n).map { _ in Double(rng.normal()) }
        let mean = normals.reduce(0, +) / Double(n)
        let variance = normals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        XCTAssertEqual(mean, 0, accuracy: 0.02)      // 5 standard errors
        XCTAssertEqual(variance, 1, accuracy: 0.03)
        let uniforms = (0..<n).map { _ in rng.uniform(-2, 3) }
        XCTAssertTrue(uniforms.allSatisfy { $0 >= -2 && $0 < 3 })
        XCTAssertEqual(Double(uniforms.reduce(0, +)) / Double(n), 0.5, accuracy: 0.03)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[rng.int(below: 7)] += 1 }
        XCTAssertTrue(counts.allSatisfy { abs($0 - 10_000) < 500 }, "\(counts)")
        var deck = Array(0..<50)
        rng.shuffle(&deck)
        XCTAssertEqual(deck.sorted(), Array(0..<50))
        XCTAssertNotEqual(deck, Array(0..<50))
    }
}
