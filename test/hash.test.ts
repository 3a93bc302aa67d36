import { describe, expect, it } from "vitest";
import { isProcessHash, processHash } from "../lib/registry/hash";
import { pythonFloatStr, pythonPosixPathStr } from "../lib/registry/python-format";
import { ayon } from "./support/python";

describe("processHash", () => {
  it("matches the SPEC's checks (computed with Python)", () => {
    expect(processHash({ name: "maya", pid: 1234, executable: "/usr/autodesk/maya2025/bin/maya", startTime: 1732406400.12 })).toBe(
      "d4444616d58a77a1309bb44b36d6b7fcee9cd2c69addab56b7fe3a98cc802396",
    );
    expect(processHash({ name: "nuke", pid: null, executable: "/opt/Nuke15.1v3/Nuke15.1", startTime: null })).toBe(
      "ea80b2f28dd7f1c3b9e3b81ed498f7220aacafed37b567bad93b9f3a6c1a8363",
    );
    expect(processHash({ name: "houdini", pid: 42, executable: "/opt/hfs20.5/bin/houdini", startTime: 1732406400.0 })).toBe(
      "70bb78eb359ecbf0fd1d00b041275202d5a23924032581ed3cca49906aa71868",
    );
  });

  it("agrees with Python's f-string hash on unicode, empty paths, odd floats and odd paths", () => {
    const cases: Array<[string, number | null, string, number | null]> = [
      ["Мауа 2025 ✨", 7, "/opt/マヤ/bin/maya", 1732406400.5],
      ["emoji 🎬", 1, "", null],
      ["", 99999, "", 0.0],
      ["whole", 12, "/bin/x", 1732406400],
      ["tiny", 12, "/bin/x", 0.00001],
      ["huge", 12, "/bin/x", 1e16],
      ["just below exp", 12, "/bin/x", 1234567890123456],
      ["neg", 3, "/bin/x", -2.5],
      ["sum", 3, "/bin/x", 0.1 + 0.2],
      ["slashes", 5, "/usr//local/bin/", 1.5],
      ["dots", 5, "./tools/./run.sh", 2.25],
      ["posix double root", 5, "//server/share/app", 3],
      ["relative", 5, "bin/../maya", 5],
    ];
    const expected = JSON.parse(ayon(["hash-many"], JSON.stringify(cases))) as string[];
    cases.forEach(([name, pid, executable, startTime], i) => {
      expect(processHash({ name, pid, executable, startTime }), name).toBe(expected[i]);
    });
  });

  it("recognises the shape of a hash", () => {
    expect(isProcessHash("a".repeat(64))).toBe(true);
    expect(isProcessHash("A".repeat(64))).toBe(false);
    expect(isProcessHash("../etc/passwd")).toBe(false);
    expect(isProcessHash("a".repeat(63))).toBe(false);
  });
});

describe("Python formatting", () => {
  it.each([
    [1732406400.12, "1732406400.12"],
    [1732406400, "1732406400.0"],
    [1e16, "1e+16"],
    [1234567890123456, "1234567890123456.0"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [1.5e-7, "1.5e-07"],
    [1e22, "1e+22"],
    [5e-324, "5e-324"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [-2.5, "-2.5"],
    [0, "0.0"],
    [-0, "-0.0"],
    [0.1 + 0.2, "0.30000000000000004"],
  ])("str(float(%s)) is %s", (value, text) => {
    expect(pythonFloatStr(value)).toBe(text);
  });

  it.each([
    ["", "."],
    ["/a//b/", "/a/b"],
    ["//a/b", "//a/b"],
    ["///a", "/a"],
    ["./x/./y", "x/y"],
    ["a/b/.", "a/b"],
    ["/usr/bin/..", "/usr/bin/.."],
  ])("str(Path(%j)) is %j", (value, text) => {
    expect(pythonPosixPathStr(value)).toBe(text);
  });
});
