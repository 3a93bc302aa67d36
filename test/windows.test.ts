// The Windows platform layer with real Windows processes: Node for Windows, cmd.exe and
// batch files under Wine, driven from here (see test/support/wine.ts). What Wine cannot do
// (other processes' command lines, CPU times) is in test/windows-native.test.ts, which runs on
// Windows only. The registry's side of Windows (paths, the hash) is in windows-registry.test.ts.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Registry } from "../lib/registry";
import { exitsDirFor, sidecarFor } from "../lib/registry/exits";
import { tempDir } from "./support/temp";
import { endWine, startDriver, testPipe, winPath, wineMissing, type Driver } from "./support/wine";

const missing = wineMissing();
if (missing && process.env.CI) throw new Error(`The Windows suite cannot run in CI: ${missing}`);

interface Launch {
  pid: number;
  startTime: number;
  supervisorPid: number | null;
  supervisorError: string | null;
  job: string;
}

const KOFFI = winPath(path.resolve(__dirname, "..", "package.json"));

/** A Node script for Windows: reports who it is, then does `body`. */
function script(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    `const koffi = require("module").createRequire(${JSON.stringify(KOFFI)})("koffi");
const k32 = koffi.load("kernel32.dll");
const GetConsoleWindow = k32.func("void * __stdcall GetConsoleWindow()");
console.log(JSON.stringify({ argv: process.argv.slice(2), execPath: process.execPath, pid: process.pid, selfStart: Date.now() / 1000 - process.uptime(), consoleWindow: GetConsoleWindow() !== null }));
${body}
`,
  );
  return file;
}

describe.skipIf(missing !== null)(`Windows under Wine${missing ? ` (skipped: ${missing})` : ""}`, () => {
  const pipe = testPipe();
  let driver: Driver;
  let dir: string;
  let node: string;
  let registry: Registry;
  let outputDir: string;

  beforeAll(async () => {
    console.log("Windows suite: running under Wine (Node for Windows, koffi, cmd.exe)");
    dir = tempDir("pm-win-");
    driver = await startDriver(pipe);
    node = (await driver.call<{ execPath: string }>("ping")).execPath;
    registry = await Registry.open(path.join(dir, "process_handlers.db"));
    outputDir = registry.outputDir;
    fs.mkdirSync(exitsDirFor(outputDir), { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await registry?.close();
    endWine();
  }, 30_000);

  let counter = 0;
  /** A launch as the dashboard makes it, its output file and sidecar in the registry's folder. */
  async function launch(executable: string, args: string[], options: { go?: boolean; env?: Record<string, string> } = {}) {
    const id = `launch-${++counter}-${Date.now()}.log`;
    const outputFile = path.join(outputDir, id);
    fs.writeFileSync(outputFile, "");
    const launched = await driver.call<Launch>("launch", {
      executable,
      args,
      cwd: winPath(dir),
      outputFile: winPath(outputFile),
      sidecar: winPath(sidecarFor(outputDir, outputFile)),
      id,
      env: options.env,
    });
    if (options.go !== false) await driver.call("go", { pid: launched.pid });
    return { ...launched, outputFile, id };
  }

  async function outputOf(file: string, until: (text: string) => boolean, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = fs.readFileSync(file, "utf8");
      if (until(text) || Date.now() > deadline) return text;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("reads the process table from Toolhelp32 and each pid's creation time and executable through its handle", async () => {
    const ping = await driver.call<{ pid: number; execPath: string; uptime: number; now: number }>("ping");
    const { table, snapshotSize, self, selfStat } = await driver.call<{
      table: Array<{ pid: number; ppid: number; name: string }>;
      snapshotSize: number;
      self: { ppid: number; name: string } | null;
      selfStat: { startTime: number; rssBytes: number; state: string };
    }>("table");
    expect(table.find((entry) => entry.pid === ping.pid)?.name.toLowerCase()).toBe("node.exe");
    expect(table.some((entry) => entry.name.toLowerCase() === "services.exe")).toBe(true);
    expect(snapshotSize).toBe(table.length);
    expect(self?.ppid).toBe(table.find((entry) => entry.pid === ping.pid)?.ppid);
    expect(Math.abs(selfStat.startTime - (ping.now - ping.uptime))).toBeLessThan(1);
    expect(selfStat.state).toBe("R");
    const facts = await driver.call<{ facts: { executable: string; startTime: number } }>("facts", { pid: ping.pid });
    expect(facts.facts.executable.toLowerCase()).toBe(ping.execPath.toLowerCase());
    expect(facts.facts.startTime).toBe(selfStat.startTime);
  });
});
