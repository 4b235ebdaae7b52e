import CLITestSupport
import Foundation
import SeqData
import SeqHarness
import SeqProcess
import SeqStore
import XCTest

/// Hostile checkpoints, prediction inputs and task data, built with h5py from a real checkpoint: the Swift
/// API throws an error naming the object, and `eval`, `predict` and `inspect` exit non-zero with one line
/// naming the file — never 0, never a hang, never a crash.
final class HostileCheckpointTests: XCTestCase {
    static let dir = NSTemporaryDirectory() + "seqbench-hostile-\(UUID().uuidString)"
    /// The committed format-v1 checkpoint (bilstm_attention, vocab 6, classifier weight [2, 12]).
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../SeqHarnessTests/Resources/format-v1/runs/bilstm_attention.seed=1/best.h5")
        .standardizedFileURL.path
    nonisolated(unsafe) static var built: Result<Void, Error>?

    /// Variants of the fixture: name, h5py edit (`f` the open copy, `W` the classifier weight path, `w` its
    /// data, `d` the directory), the object the error names and a fragment of the message.
    static let checkpoints: [(name: String, edit: String, object: String, fragment: String)] = [
        ("external_storage", """
            s = os.path.join(d, 'secret.bin'); w.astype('<f4').tofile(s)
            del f[W]; f.create_dataset(W, shape=w.shape, dtype='<f4', external=[(s, 0, w.nbytes)])
            """, "/params/classifier/weight", "stored in an external file; seqbench reads only self-contained files"),
        ("external_link", "del f[W]; f[W] = h5py.ExternalLink(os.path.join(d, 'other.h5'), '/w')",
         "/params/classifier/weight", "is an external link to another file; seqbench reads only self-contained files"),
        ("external_group", "f['params/extra'] = h5py.ExternalLink(os.path.join(d, 'other.h5'), '/')",
         "/params/extra", "is an external link to another file"),
        ("soft_link", "f['elsewhere'] = w; del f[W]; f[W] = h5py.SoftLink('/elsewhere')",
         "/params/classifier/weight", "is a soft link"),
        ("cycle", "f['params/loop'] = f['/']", "/params/loop", "hard-link cycle"),
        ("deep", "g = f['params']\nfor i in range(200): g = g.create_group('n')",
         "/params" + String(repeating: "/n", count: 64), "groups nest more than 64 deep"),
        ("vds", """
            del f[W]; layout = h5py.VirtualLayout(shape=w.shape, dtype='<f4')
            layout[...] = h5py.VirtualSource(os.path.join(d, 'other.h5'), 'w', shape=w.shape)
            f.create_virtual_dataset(W, layout)
            """, "/params/classifier/weight", "is a virtual dataset"),
        ("unknown_filter", """
            del f[W]; dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE); dcpl.set_chunk(w.shape)
            dcpl.set_filter(31999, h5py.h5z.FLAG_OPTIONAL, (1,))
            h5py.h5d.create(f['params/classifier'].id, b'weight', h5py.h5t.IEEE_F32LE, h5py.h5s.create_simple(w.shape), dcpl=dcpl)
            f[W][...] = w
            """, "/params/classifier/weight", "uses filter 31999"),
        ("huge_dims", "del f[W]; f.create_dataset(W, shape=(2**31,), dtype='<f4', chunks=(4096,))",
         "/params/classifier/weight", "has shape [2147483648], but the stored config implies [2, 12]"),
        ("overflow_dims", "del f[W]; f.create_dataset(W, shape=(2**40, 2**40), dtype='<f4', chunks=(1, 1))",
         "/params/classifier/weight", "has shape [1099511627776, 1099511627776], but the stored config implies [2, 12]"),
        ("wrong_dtype", "del f[W]; f[W] = np.zeros(w.shape, dtype='<i8')",
         "/params/classifier/weight", "stores int64; weights must be float32"),
        ("nan_weight", "v = w.copy().reshape(-1); v[0] = np.nan; v[1] = np.inf; v[2] = -np.inf; f[W][...] = v.reshape(w.shape)",
         "/params/classifier/weight", "3 non-finite values (NaN or Inf)"),
        ("nan_optimizer", "f['optimizer/m/classifier/weight'][0, 0] = np.nan",
         "/optimizer/m/classifier/weight", "1 non-finite value (NaN or Inf)"),
        ("extra_param", "f['params/classifier/extra'] = w",
         "/params/classifier/extra", "is not a parameter of the model the stored config describes"),
        ("epoch_string", "f.attrs['epoch'] = 'three'", "/", "read attribute 'epoch' failed: type mismatch"),
        ("epoch_negative", "f.attrs['epoch'] = np.int64(-1)", "/", "attribute 'epoch' is -1"),
        ("step_float", "f['optimizer'].attrs['step'] = 4.5", "/optimizer", "read attribute 'step' failed: type mismatch"),
        ("best_epoch_huge", "f['training'].attrs['best_epoch'] = np.int64(2**40)", "/training",
         "attribute 'best_epoch' is 1099511627776; it must be in 0...1"),
        ("best_accuracy_nan", "f['training'].attrs['best_val_accuracy'] = np.nan", "/training",
         "attribute 'best_val_accuracy' is nan"),
    ]

    /// Variants whose structure `inspect` itself refuses (it shows shapes and attributes, not weights).
    static let structural: Set<String> = ["external_storage", "external_link", "external_group", "soft_link",
                                          "cycle", "vds", "unknown_filter"]

    /// Prediction inputs (tokens [2, 5], lengths [2]) and task data (plus labels [4]): name, edit, object, fragment.
    static let inputs: [(name: String, edit: String, object: String, fragment: String)] = [
        ("external_link", "t = f['tokens'][()]; del f['tokens']; f['tokens'] = h5py.ExternalLink(os.path.join(d, 'other.h5'), '/tokens')",
         "/tokens", "is an external link to another file"),
        ("external_storage", """
            t = f['tokens'][()]; s = os.path.join(d, 'tokens.bin'); t.astype('<i8').tofile(s); del f['tokens']
            f.create_dataset('tokens', shape=t.shape, dtype='<i8', external=[(s, 0, t.nbytes)])
            """, "/tokens", "stored in an external file"),
        ("soft_link", "f['t'] = f['tokens'][()]; del f['tokens']; f['tokens'] = h5py.SoftLink('/t')", "/tokens", "is a soft link"),
        ("huge_lengths", "del f['lengths']; f.create_dataset('lengths', shape=(2**31,), dtype='<i8', chunks=(4096,))",
         "/lengths", "more than the per-read limit of 268435456"),
    ]

    override class func setUp() {
        built = Result { try build() }
    }

    override class func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    override func setUpWithError() throws {
        guard python(["-c", "import h5py"]) == 0 else { throw XCTSkip("python3 with h5py is not available") }
        try Self.built?.get()
    }

    @discardableResult
    private static func python(_ arguments: [String]) -> Int32 {
        (try? Subprocess.run("/usr/bin/env", ["python3"] + arguments).status) ?? -1
    }

    private func python(_ arguments: [String]) -> Int32 { Self.python(arguments) }

    /// Writes every variant into `dir` (checkpoints as `<name>.h5`, inputs as `input-<name>.h5`, task data as
    /// `task-<name>.h5`).
    private static func build() throws {
        guard python(["-c", "import h5py"]) == 0 else { return }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func indent(_ code: String) -> String { code.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") }
        var script = """
            import sys, os, shutil, numpy as np, h5py
            src, d = sys.argv[1], sys.argv[2]
            W = 'params/classifier/weight'
            with h5py.File(src, 'r') as f: weight = f[W][()]
            with h5py.File(os.path.join(d, 'other.h5'), 'w') as g:
                g['w'] = weight; g['tokens'] = np.ones((2, 5), 'i8')
            def plain(name):
                with h5py.File(os.path.join(d, name), 'w') as f:
                    f['tokens'] = np.ones((4, 5), 'i8'); f['lengths'] = np.array([5, 3, 2, 5], 'i8')
                    f['labels'] = np.array([0, 1, 0, 1], 'i8'); f['split'] = np.array([0, 1, 2, 0], 'i8')
            for prefix in ['input', 'task']: plain(prefix + '.h5')

            """
        for (name, edit, _, _) in checkpoints {
            script += "shutil.copy(src, os.path.join(d, '\(name).h5'))\n"
            script += "with h5py.File(os.path.join(d, '\(name).h5'), 'r+') as f:\n    w = weight\n" + indent(edit) + "\n"
        }
        for (name, edit, _, _) in inputs {
            for prefix in ["input", "task"] {
                script += "plain('\(prefix)-\(name).h5')\n"
                script += "with h5py.File(os.path.join(d, '\(prefix)-\(name).h5'), 'r+') as f:\n" + indent(edit) + "\n"
            }
        }
        let r = try Subprocess.run("/usr/bin/env", ["python3", "-c", script, fixture, dir])
        guard r.status == 0 else { throw StoreError(file: "h5py", "cannot build hostile files: \(r.stderr)") }
    }

    private func file(_ name: String) -> String { Self.dir + "/" + name + ".h5" }

    /// Runs the CLI under a timeout: a hang shows as exit 124, a crash as 128 + signal.
    private func cli(_ arguments: [String]) throws -> Subprocess.Result {
        try Subprocess.run("/usr/bin/timeout", ["-s", "KILL", "120", CLI.executable] + arguments)
    }

    /// Non-zero exit without hang or crash, and one line on stderr naming `file`, `object` and `fragment`.
    private func assertRefused(_ arguments: [String], file: String, object: String, _ fragment: String,
                               line: UInt = #line) throws {
        let r = try cli(arguments)
        let what = arguments.prefix(2).joined(separator: " ")
        XCTAssertNotEqual(r.status, 0, "\(what): exit status", line: line)
        XCTAssertLessThan(r.status, 124, "\(what): hang or crash (status \(r.status)): \(r.stderr)", line: line)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 1, "\(what): one line on stderr, got: \(r.stderr)", line: line)
        let message = lines.first ?? ""
        XCTAssertTrue(message.contains(file + ": " + object), "\(what): names the file and object: \(message)", line: line)
        XCTAssertTrue(message.contains(fragment), "\(what): says '\(fragment)': \(message)", line: line)
    }

    func testUntouchedCopyStillWorks() throws {
        let r = try cli(["eval", Self.fixture])
        XCTAssertEqual(r.status, 0, r.stderr)
        let p = try cli(["predict", Self.fixture, "--input", file("input"), "--output", Self.dir + "/ok-out.h5"])
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertNoThrow(try HDF5Task(path: file("task")).generate(seed: 1))
    }

    func testCheckpointAPIRefusesWithTheObject() throws {
        for (name, _, object, fragment) in Self.checkpoints {
            XCTAssertThrowsError(try LoadedCheckpoint(file(name)), name) { error in
                guard let error = error as? StoreError else { return XCTFail("\(name): \(error)") }
                XCTAssertEqual(error.file, file(name), name)
                XCTAssertEqual(error.object, object, "\(name): \(error)")
                XCTAssertTrue(error.message.contains(fragment), "\(name): \(error)")
                XCTAssertFalse(error.description.contains("\n"), name)
            }
        }
    }

    func testEvalRefuses() throws {
        for (name, _, object, fragment) in Self.checkpoints {
            try assertRefused(["eval", file(name)], file: file(name), object: object, fragment)
        }
        // The whole line, for the issue's example: no operation, just what is wrong and why.
        XCTAssertEqual(try cli(["eval", file("external_storage")]).stderr,
                       "Error: \(file("external_storage")): /params/classifier/weight: stored in an external file; "
                       + "seqbench reads only self-contained files\n")
    }

    func testPredictRefusesHostileCheckpoints() throws {
        for (name, _, object, fragment) in Self.checkpoints {
            let output = Self.dir + "/out-\(name).h5"
            try assertRefused(["predict", file(name), "--input", file("input"), "--output", output],
                              file: file(name), object: object, fragment)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output), name)
        }
    }

    func testPredictRefusesHostileInputs() throws {
        for (name, _, object, fragment) in Self.inputs {
            let input = file("input-" + name), output = Self.dir + "/out-input-\(name).h5"
            try assertRefused(["predict", Self.fixture, "--input", input, "--output", output],
                              file: input, object: object, fragment)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output), name)
        }
    }

    func testInspectRefusesWhatItCannotWalk() throws {
        for (name, _, object, fragment) in Self.checkpoints where Self.structural.contains(name) {
            try assertRefused(["inspect", file(name)], file: file(name), object: object, fragment)
        }
        // Nesting is limited from the root, so the group named is one level higher than for eval.
        try assertRefused(["inspect", file("deep")], file: file("deep"),
                          object: "/params" + String(repeating: "/n", count: 63), "groups nest more than 64 deep")
        // Shapes are shown, not read: a huge declared shape is fine to inspect.
        XCTAssertEqual(try cli(["inspect", file("huge_dims")]).status, 0)
    }

    func testHDF5TaskRefusesHostileData() throws {
        for (name, _, object, fragment) in Self.inputs {
            let path = file("task-" + name)
            // The task compares the lengths' shape with the tokens' before reading either.
            let fragment = name == "huge_lengths" ? "has 2147483648 entries but /tokens has 4 sequences" : fragment
            XCTAssertThrowsError(try HDF5Task(path: path).generate(seed: 1), name) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.contains(path + ": " + object), "\(name): \(message)")
                XCTAssertTrue(message.contains(fragment), "\(name): \(message)")
                XCTAssertFalse(message.contains("\n"), name)
            }
        }
    }
}
