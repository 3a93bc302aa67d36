// What only real Windows does, and Wine does not (see windows.test.ts for everything else):
// CTRL_BREAK delivered to another process's console group (Wine's GenerateConsoleCtrlEvent
// fails with "invalid handle"), another process's command line (Wine: "invalid info class"),
// and CPU times that move. Runs on Windows only; elsewhere it is skipped, by name.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { launchOnWindows, type WindowsLaunch } from "../lib/launcher/win32/start";
import { breakConsoleGroup, terminateAs } from "../lib/launcher/win32/stop";
import { readCommandLine, readProcessFacts } from "../lib/system/win32/processes";

const onWindows = process.platform === "win32";

describe.runIf(onWindows)("real Windows only (not under Wine): CTRL_BREAK, command lines, CPU times", () => {
  const dir = onWindows ? fs.mkdtempSync(path.join(os.tmpdir(), "pm-native-")) : "";
  const pipe = `\\\\.\\pipe\\pm-native-${process.pid}`;
  const launched: WindowsLaunch[] = [];
  const supervisor = path.resolve(__dirname, "..", "dist", "cli", "supervisor.js");
  afterAll(() => {
    for (const l of launched) terminateAs({ pid: l.pid, startTime: l.startTime });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(name: string, body: string, args: string[] = []) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, body);
    const outputFile = path.join(dir, `${name}.log`);
    fs.writeFileSync(outputFile, "");
    const l = await launchOnWindows({
      executable: process.execPath,
      args: [file, ...args],
      cwd: dir,
      env: process.env as Record<string, string>,
      outputFile,
      id: `${name}-${Date.now()}`,
      sidecar: `${outputFile}.exit`,
      dbPath: null,
      cli: null,
      supervisor,
      pipe,
    });
    launched.push(l);
    l.go();
    return { ...l, outputFile };
  }

  it("sends CTRL_BREAK to a console program's group, which ends itself", async () => {
    const l = await start(
      "polite.js",
      `process.on("SIGBREAK", () => { console.log("got break"); process.exit(0); }); setTimeout(() => {}, 60000);`,
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(await breakConsoleGroup({ pid: l.pid, startTime: l.startTime }, pipe)).toBe(true);
    expect(await l.ended).toMatchObject({ exitCode: 0 });
    expect(fs.readFileSync(l.outputFile, "utf8")).toContain("got break");
  });

  it("reads another process's command line as it was given", async () => {
    const l = await start("args.js", "setTimeout(() => {}, 60000);", ["a b", 'q"x', "tail\\"]);
    await new Promise((r) => setTimeout(r, 500));
    expect(readCommandLine(l.pid)?.slice(-3)).toEqual(["a b", 'q"x', "tail\\"]);
  });

  it("sees CPU time grow in a busy program", async () => {
    const l = await start("busy.js", "const end = Date.now() + 3000; while (Date.now() < end) {}");
    await new Promise((r) => setTimeout(r, 500));
    const first = readProcessFacts(l.pid).facts!.cpuSeconds;
    await new Promise((r) => setTimeout(r, 1500));
    expect(readProcessFacts(l.pid).facts!.cpuSeconds - first).toBeGreaterThan(0.5);
  });
});
