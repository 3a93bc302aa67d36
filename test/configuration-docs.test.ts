// Every PROCESS_MONITOR_* variable the code reads is documented (README or docs/), and every one
// the documents name is read somewhere: a variable added without a word, or one removed while its
// documentation stays, fails here (issue 38, item 4).
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "..");
const VARIABLE = /PROCESS_MONITOR_[A-Z0-9_]*[A-Z0-9]/g;

function filesUnder(dir: string, ends: RegExp): string[] {
  const full = path.join(root, dir);
  if (!fs.statSync(full).isDirectory()) return [full];
  return fs
    .readdirSync(full, { recursive: true, encoding: "utf8" })
    .filter((f) => ends.test(f) && !f.includes("generated"))
    .map((f) => path.join(full, f));
}

function variablesIn(files: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of files)
    for (const name of fs.readFileSync(file, "utf8").match(VARIABLE) ?? [])
      if (!found.has(name)) found.set(name, path.relative(root, file));
  return found;
}

describe("the configuration's documentation", () => {
  it("names every PROCESS_MONITOR_* variable the code reads, and none it does not", () => {
    const code = variablesIn(
      ["lib", "app", "scripts", "bin", "proxy.ts", "instrumentation.ts"].flatMap((d) => filesUnder(d, /\.(ts|tsx|js|mjs)$/)),
    );
    const docs = variablesIn(["README.md", ...filesUnder("docs", /\.md$/)].map((f) => (path.isAbsolute(f) ? f : path.join(root, f))));
    expect(code.size).toBeGreaterThan(30);
    const undocumented = [...code].filter(([name]) => !docs.has(name)).map(([name, file]) => `${name} (read in ${file})`);
    const stale = [...docs].filter(([name]) => !code.has(name)).map(([name, file]) => `${name} (named in ${file})`);
    expect(undocumented, "read by the code, documented nowhere").toEqual([]);
    expect(stale, "documented, read nowhere").toEqual([]);
  });
});
