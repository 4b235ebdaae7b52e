#!/usr/bin/env python3
"""Module hygiene: every module a Swift file imports is a declared dependency of its target, and no file
re-exports a module (@_exported). Reads the targets from `swift package dump-package`; exits 1 listing
each offence."""
import json, os, re, subprocess, sys

SYSTEM = {"Foundation", "FoundationXML", "FoundationNetworking", "XCTest", "Glibc", "Darwin", "Dispatch",
          "Synchronization", "Testing"}

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
package = json.loads(subprocess.run(["swift", "package", "dump-package"], cwd=root, check=True,
                                    capture_output=True, text=True).stdout)
problems = []
for target in package["targets"]:
    if target["type"] == "system":
        continue
    deps = set()
    for d in target["dependencies"]:
        for kind in ("byName", "target", "product"):
            if kind in d:
                deps.add(d[kind][0])
    default = {"test": "Tests", "executable": "Sources", "regular": "Sources"}.get(target["type"], "Sources")
    folder = os.path.join(root, target.get("path") or os.path.join(default, target["name"]))
    for dirpath, _, files in os.walk(folder):
        for name in files:
            if not name.endswith(".swift"):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            for n, line in enumerate(open(path, encoding="utf-8"), 1):
                if "@_exported" in line:
                    problems.append(f"{rel}:{n}: @_exported re-exports a module; import it where it is used instead")
                # Swift imports start a line; indented "import" lines are inside string literals (Python snippets).
                m = re.match(r"(?:@testable\s+)?import\s+(?:(?:struct|class|enum|func|protocol|typealias|var|let)\s+)?(\w+)", line)
                if m and m.group(1) not in SYSTEM and m.group(1) not in deps and m.group(1) != target["name"]:
                    problems.append(f"{rel}:{n}: imports {m.group(1)}, which target {target['name']} does not declare")
for p in problems:
    print(p)
print(f"check-imports: {len(problems)} problem(s) in {len(package['targets'])} targets")
sys.exit(1 if problems else 0)
