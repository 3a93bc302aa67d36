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
import { endWine, startDisplay, startDriver, testPipe, windowsCli, winPath, wineMissing, type Driver } from "./support/wine";
import { ayon } from "./support/python";

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
    // A wineserver of this run, with the display its programs' windows go to.
    endWine();
    await startDisplay();
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
    // Created when the test started it, and Node began in it only after (Wine shares this clock).
    expect(selfStat.startTime).toBeGreaterThanOrEqual(driver.startedAt - 0.05);
    expect(selfStat.startTime).toBeLessThanOrEqual(ping.now - ping.uptime + 0.05);
    expect(selfStat.state).toBe("R");
    const facts = await driver.call<{ facts: { executable: string; startTime: number } }>("facts", { pid: ping.pid });
    expect(facts.facts.executable.toLowerCase()).toBe(ping.execPath.toLowerCase());
    expect(facts.facts.startTime).toBe(selfStat.startTime);
  });

  it("launches suspended until its record is stored: creation time and executable as Win32 reports them, output in its file, no console window", async () => {
    const child = script(dir, "who.js", "console.error('to stderr'); console.log('to stdout');");
    const before = Date.now() / 1000;
    const launched = await launch(node, [winPath(child), "a b", 'say "hi"', "tail\\"], { go: false });
    const after = Date.now() / 1000;
    expect(launched.supervisorError).toBeNull();
    expect(launched.supervisorPid).toBeGreaterThan(0);
    const facts = await driver.call<{ facts: { startTime: number; executable: string } }>("facts", { pid: launched.pid });
    // Held before its first instruction: nothing written yet, and the creation time is final.
    await new Promise((r) => setTimeout(r, 300));
    expect(fs.readFileSync(launched.outputFile, "utf8")).toBe("");
    expect(facts.facts.startTime).toBe(launched.startTime);
    await driver.call("go", { pid: launched.pid });
    const text = await outputOf(launched.outputFile, (t) => t.includes("to stdout"));
    const report = JSON.parse(text.split("\n")[0]!) as {
      argv: string[];
      execPath: string;
      pid: number;
      selfStart: number;
      consoleWindow: boolean;
    };
    expect(report.pid).toBe(launched.pid);
    expect(report.argv).toEqual(["a b", 'say "hi"', "tail\\"]);
    expect(report.execPath.toLowerCase()).toBe(facts.facts.executable.toLowerCase());
    expect(facts.facts.executable.toLowerCase()).toBe(node.toLowerCase());
    // Created during the launch call (Wine shares this clock), and Node started in it only after.
    expect(launched.startTime).toBeGreaterThanOrEqual(before - 0.05);
    expect(launched.startTime).toBeLessThanOrEqual(after + 0.05);
    expect(report.selfStart).toBeGreaterThanOrEqual(launched.startTime - 0.05);
    expect(report.consoleWindow).toBe(false);
    // Both streams into the one file, in the order written.
    expect(text.indexOf("to stderr")).toBeLessThan(text.indexOf("to stdout"));
    const end = await driver.call<{ exitCode: number }>("ended", { pid: launched.pid });
    expect(end.exitCode).toBe(0);
  });

  it("a launch cancelled before its go never runs and leaves no end behind", async () => {
    const marker = path.join(dir, "ran-cancelled");
    const child = script(dir, "cancelled.js", `require("fs").writeFileSync(${JSON.stringify(winPath(marker))}, "ran");`);
    const launched = await launch(node, [winPath(child)], { go: false });
    await driver.call("cancel", { pid: launched.pid });
    await expect.poll(async () => (await driver.call<{ facts: unknown }>("facts", { pid: launched.pid })).facts).toBeNull();
    await new Promise((r) => setTimeout(r, 500));
    expect(fs.existsSync(marker)).toBe(false);
    expect(fs.readFileSync(launched.outputFile, "utf8")).toBe("");
  });

  it("records exit codes 0 and 3 and the end time after the launcher has exited, and the registry folds them in", async () => {
    const own = await startDriver(pipe);
    // Each ends only once the launcher is gone: when this test says so, by a file.
    const gone = path.join(dir, "launcher-gone");
    const endWhenTold = (code: number) =>
      `setInterval(() => { if (require("fs").existsSync(${JSON.stringify(winPath(gone))})) process.exit(${code}); }, 50);`;
    const zero = script(dir, "zero.js", endWhenTold(0));
    const three = script(dir, "three.js", endWhenTold(3));
    const launches: Array<{ launched: Launch & { outputFile: string }; code: number }> = [];
    for (const [file, code] of [
      [zero, 0],
      [three, 3],
    ] as const) {
      const id = `ended-${code}-${Date.now()}.log`;
      const outputFile = path.join(outputDir, id);
      fs.writeFileSync(outputFile, "");
      const launched = await own.call<Launch>("launch", {
        executable: node,
        args: [winPath(file)],
        cwd: winPath(dir),
        outputFile: winPath(outputFile),
        sidecar: winPath(sidecarFor(outputDir, outputFile)),
        id,
      });
      // Recorded as the dashboard records it: its pid and creation time, the stored path as Windows writes it.
      await registry.store({
        name: `exit-${code}`,
        executable: node,
        args: [winPath(file)],
        pid: launched.pid,
        startTime: launched.startTime,
        outputFile,
        cwd: winPath(dir),
      });
      await own.call("go", { pid: launched.pid });
      launches.push({ launched: { ...launched, outputFile }, code });
    }
    // The launcher leaves while both still run; then they end.
    await own.exit();
    const leftAt = Date.now() / 1000;
    fs.writeFileSync(gone, "");
    for (const { launched, code } of launches) {
      const sidecar = sidecarFor(outputDir, launched.outputFile);
      await expect.poll(() => fs.existsSync(sidecar), { timeout: 15_000 }).toBe(true);
      const words = fs.readFileSync(sidecar, "utf8").trim().split(/\s+/);
      expect(words.slice(0, 4)).toEqual([String(launched.pid), String(code), expect.any(String), "w"]);
      // What the handle told of the end (SPEC "The end record"): its CPU time, its peak working set, where Windows (Wine) says.
      for (const word of words.slice(4)) expect(word).toMatch(/^(cpus=\d+\.\d{3}|peak=\d+)$/);
    }
    await registry.foldExits();
    for (const { launched, code } of launches) {
      const [record] = (await registry.list()).filter((r) => r.pid === launched.pid);
      expect(record?.exitCode, `exit ${code}`).toBe(code);
      expect(record?.exitSignal).toBeNull();
      expect(record?.stopped).toBe(true);
      expect(record!.endedAt!).toBeGreaterThanOrEqual(leftAt - 0.05);
      expect(record?.executable).toBe(node);
    }
  });

  it("runs a .cmd wrapper through cmd.exe with &, |, quotes, spaces and cmd's other metacharacters reaching the program as they were", async () => {
    const child = script(dir, "echo-args.js", "");
    const wrapper = path.join(dir, "tools", "wrap me.cmd");
    fs.mkdirSync(path.dirname(wrapper), { recursive: true });
    fs.writeFileSync(wrapper, `@echo off\r\n"${node}" "${winPath(child)}" %*\r\nexit /b %ERRORLEVEL%\r\n`);
    const args = [
      "a & echo INJECTED",
      "x|y",
      "a>b",
      "<in",
      'say "hi"',
      "two  spaces",
      "^caret",
      "",
      "(paren)",
      "semi;colon",
      "!bang!",
      "tail\\",
    ];
    const launched = await launch(winPath(wrapper), args);
    const text = await outputOf(launched.outputFile, (t) => t.includes("argv"));
    const report = JSON.parse(text.split("\n").find((line) => line.startsWith("{"))!) as { argv: string[] };
    expect(text).not.toContain("INJECTED\r\n");
    expect(report.argv).toEqual(args);
  });

  it("takes a running .cmd wrapper (cmd.exe, its interpreter) for the recorded program, and says why a file is not a program", async () => {
    const idle = script(dir, "wrapped-idle.js", "setTimeout(() => {}, 60000);");
    const wrapper = path.join(dir, "long wrapper.cmd");
    fs.writeFileSync(wrapper, `@echo off\r\n"${node}" "${winPath(idle)}"\r\n`);
    const launched = await launch(winPath(wrapper), []);
    const verdict = await driver.call<{ direct: { liveness: string; currentExecutable: string | null } }>("identify", {
      pid: launched.pid,
      executable: winPath(wrapper),
      startTime: launched.startTime,
    });
    expect(verdict.direct).toEqual({ liveness: "running", currentExecutable: null });
    const kid = await programChild(launched.pid);
    await driver.call("stop", { record: recordOf(launched, winPath(wrapper)), force: true });
    expect(await ended(kid.pid)).toBe(true);

    const fake = path.join(dir, "fake.exe");
    fs.writeFileSync(fake, "this is text, not a program\n");
    await expect(launch(winPath(fake), [])).rejects.toThrow(/not a Windows program/);
  });

  it("refuses a batch argument that cmd.exe would cut at a line break or expand at a %, with a clear message, and runs nothing", async () => {
    const marker = path.join(dir, "batch-ran");
    const wrapper = path.join(dir, "plain.cmd");
    fs.writeFileSync(wrapper, `@echo off\r\necho ran> "${winPath(marker)}"\r\n`);
    await expect(launch(winPath(wrapper), ["line\nbreak"])).rejects.toThrow(/cannot hold a line break/);
    await expect(launch(winPath(wrapper), ["100%"])).rejects.toThrow(/cannot hold '%'/);
    await expect(launch(winPath(wrapper), ["%PATH%"])).rejects.toThrow(/cannot hold '%'/);
    // The same arguments are fine for a program, which gets them as they are.
    const child = script(dir, "percent.js", "");
    const launched = await launch(node, [winPath(child), "100%", "%PATH%"]);
    const text = await outputOf(launched.outputFile, (t) => t.includes("argv"));
    expect((JSON.parse(text.split("\n")[0]!) as { argv: string[] }).argv).toEqual(["100%", "%PATH%"]);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it("quotes arguments so that CommandLineToArgvW gives them back exactly", async () => {
    const args = ["", " ", "a b", 'q"x', '\\"', "tail\\", "tail\\\\", "C:\\Program Files\\x", '"', "\t tab", "ünï 日本", 'a\\\\"b'];
    const { argv } = await driver.call<{ argv: string[] }>("roundTrip", { executable: "C:\\Program Files\\App\\app.exe", args });
    expect(argv).toEqual(["C:\\Program Files\\App\\app.exe", ...args]);
  });

  it("finds programs through PATH and PATHEXT, and refuses what Windows cannot start", async () => {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, "tool.cmd"), "@echo off\r\n");
    fs.writeFileSync(path.join(bin, "script.py"), "print(1)\n");
    const found = await driver.call<string>("resolve", {
      executable: "tool",
      cwd: winPath(dir),
      path: `C:\\nowhere;${winPath(bin)}`,
      pathext: ".COM;.EXE;.BAT;.CMD",
    });
    expect(found.toLowerCase()).toBe(winPath(path.join(bin, "tool.cmd")).toLowerCase());
    await expect(driver.call("resolve", { executable: "missing-tool", cwd: winPath(dir), path: winPath(bin) })).rejects.toThrow(
      /was not found in PATH/,
    );
    await expect(driver.call("resolve", { executable: winPath(path.join(bin, "script.py")), cwd: winPath(dir) })).rejects.toThrow(
      /not a program Windows starts/,
    );
  });

  it("tells a live record from a reused pid by creation time, directly and from the whole table", async () => {
    const child = script(dir, "idle.js", "setTimeout(() => {}, 60000);");
    const launched = await launch(node, [winPath(child)]);
    type Verdicts = { direct: { liveness: string }; table: { liveness: string } };
    const same = await driver.call<Verdicts>("identify", { pid: launched.pid, executable: node, startTime: launched.startTime });
    expect([same.direct.liveness, same.table.liveness]).toEqual(["running", "running"]);
    const reused = await driver.call<Verdicts>("identify", { pid: launched.pid, executable: node, startTime: launched.startTime - 5 });
    expect([reused.direct.liveness, reused.table.liveness]).toEqual(["gone", "gone"]);
    const other = await driver.call<Verdicts>("identify", { pid: 999_996, executable: node, startTime: launched.startTime });
    expect([other.direct.liveness, other.table.liveness]).toEqual(["gone", "gone"]);
    await driver.call("stop", { record: recordOf(launched, node), force: true });
  });

  /** Gone, or ended and held only by a handle (the supervisor's, until it has recorded the end). */
  async function ended(pid: number): Promise<boolean> {
    const { facts } = await driver.call<{ facts: { exited: boolean } | null }>("facts", { pid });
    return facts === null || facts.exited;
  }

  /** The program's child node.exe (its console's conhost.exe is a child too, on Windows as under Wine). */
  async function programChild(pid: number): Promise<{ pid: number; startTime: number }> {
    type Child = { pid: number; startTime: number; name: string };
    const nodes = async () => (await driver.call<Child[]>("descendants", { pid })).filter((d) => d.name.toLowerCase() === "node.exe");
    await expect.poll(async () => (await nodes()).length, { timeout: 15_000 }).toBe(1);
    return (await nodes())[0]!;
  }

  function recordOf(launched: Launch & { outputFile: string }, executable: string, startTime = launched.startTime) {
    return {
      hash: "f".repeat(64),
      name: "test",
      executable,
      args: [],
      pid: launched.pid,
      startTime,
      outputFile: winPath(launched.outputFile),
      stopped: false,
      exitCode: null,
    };
  }

  /** A Node program with a real top-level window, which ends itself when the window is closed. */
  function windowed(name: string, body = ""): string {
    return script(
      dir,
      name,
      `const u = koffi.load("user32.dll");
const CreateWindowExW = u.func("void * __stdcall CreateWindowExW(uint32_t ex, const char16_t *cls, const char16_t *title, uint32_t style, int x, int y, int w, int h, void *parent, void *menu, void *inst, void *param)");
const IsWindow = u.func("int __stdcall IsWindow(void *h)");
const MSG = koffi.struct("MSG", { hwnd: "void *", message: "uint32_t", wParam: "uintptr_t", lParam: "intptr_t", time: "uint32_t", x: "long", y: "long" });
const PeekMessageW = u.func("int __stdcall PeekMessageW(_Out_ MSG *msg, void *h, uint32_t a, uint32_t b, uint32_t remove)");
const DispatchMessageW = u.func("intptr_t __stdcall DispatchMessageW(MSG *msg)");
// A STATIC window: its class closes it on WM_CLOSE, as any application's default would.
const window = CreateWindowExW(0, "STATIC", ${JSON.stringify(name)}, 0x10CF0000, 10, 10, 300, 200, null, null, null, null);
console.log(${JSON.stringify(name)}, "window", window !== null);
${body}
setInterval(() => {
  const m = {};
  while (PeekMessageW(m, null, 0, 0, 1)) DispatchMessageW(m);
  if (!IsWindow(window)) { console.log(${JSON.stringify(name)}, "closed by WM_CLOSE"); setTimeout(() => process.exit(0), 100); }
}, 50);`,
    );
  }

  it("stops a windowed tree gracefully with WM_CLOSE: the program and its child close their own windows", async () => {
    const kidScript = windowed("gui-child.js");
    const parent = windowed(
      "gui-parent.js",
      `require("child_process").spawn(process.execPath, [${JSON.stringify(winPath(kidScript))}], { stdio: "inherit" });`,
    );
    const launched = await launch(node, [winPath(parent)]);
    const kid = await programChild(launched.pid);
    await outputOf(launched.outputFile, (t) => t.includes("gui-child.js window true"));
    const stopped = await driver.call<{ outcome: string; signal: string; requested: string[]; message: string }>("stop", {
      record: recordOf(launched, node),
      graceMs: 8000,
    });
    expect(stopped).toMatchObject({ outcome: "stopped", signal: "SIGTERM", requested: ["SIGTERM"] });
    expect(stopped.message).toMatch(/closed when asked/);
    const text = fs.readFileSync(launched.outputFile, "utf8");
    expect(text).toContain("gui-parent.js closed by WM_CLOSE");
    expect(text).toContain("gui-child.js closed by WM_CLOSE");
    expect(await ended(kid.pid)).toBe(true);
    expect(await driver.call<{ exitCode: number }>("ended", { pid: launched.pid })).toMatchObject({ exitCode: 0 });
  });

  it("ends a tree that ignores the request after the grace period, through its Job object", async () => {
    const grandchild = script(
      dir,
      "stubborn-child.js",
      `process.on("SIGBREAK", () => console.log("child ignores")); setTimeout(() => {}, 60000);`,
    );
    const parent = script(
      dir,
      "stubborn.js",
      `require("child_process").spawn(process.execPath, [${JSON.stringify(winPath(grandchild))}], { stdio: "inherit", detached: true });
process.on("SIGBREAK", () => console.log("parent ignores"));
setTimeout(() => {}, 60000);`,
    );
    const launched = await launch(node, [winPath(parent)]);
    const kid = await programChild(launched.pid);
    const stopped = await driver.call<{ outcome: string; signal: string; requested: string[]; tookMs: number }>("stop", {
      record: recordOf(launched, node),
      graceMs: 1500,
    });
    expect(stopped).toMatchObject({ outcome: "stopped", signal: "SIGKILL", requested: ["SIGTERM", "SIGKILL"] });
    expect(stopped.tookMs).toBeGreaterThanOrEqual(1500);
    expect(await ended(launched.pid)).toBe(true);
    expect(await ended(kid.pid)).toBe(true);
    expect(await driver.call<{ exitCode: number }>("ended", { pid: launched.pid })).toMatchObject({ exitCode: 1 });
  });

  it("never stops a record whose pid now has another creation time", async () => {
    const child = script(dir, "innocent.js", "setTimeout(() => {}, 60000);");
    const launched = await launch(node, [winPath(child)]);
    const stale = recordOf(launched, node, launched.startTime - 30);
    await expect(driver.call("stop", { record: stale, force: true })).rejects.toThrow(/now belongs to another process/);
    expect((await driver.call<{ facts: { exited: boolean } }>("facts", { pid: launched.pid })).facts.exited).toBe(false);
    await driver.call("stop", { record: recordOf(launched, node), force: true });
  });

  it("the supervisor, restarted, takes up what it watched and still records the end", async () => {
    // It ends once the new supervisor is watching: when this test says so, by a file.
    const restarted = path.join(dir, "supervisor-restarted");
    const child = script(
      dir,
      "outlives.js",
      `setInterval(() => { if (require("fs").existsSync(${JSON.stringify(winPath(restarted))})) process.exit(7); }, 50);`,
    );
    const launched = await launch(node, [winPath(child)]);
    const supervisorPid = launched.supervisorPid!;
    // Killed outright, as a crash or a logout would.
    await driver.call("stop", {
      record: { ...recordOf(launched, node), pid: supervisorPid, startTime: null, executable: node, outputFile: null },
      force: true,
    });
    const again = await driver.call<{ pid: number; watching: number }>("supervisor");
    expect(again.pid).not.toBe(supervisorPid);
    expect(again.watching).toBeGreaterThanOrEqual(1);
    fs.writeFileSync(restarted, "");
    const sidecar = sidecarFor(outputDir, launched.outputFile);
    await expect.poll(() => fs.existsSync(sidecar), { timeout: 15_000 }).toBe(true);
    expect(fs.readFileSync(sidecar, "utf8").trim().split(/\s+/).slice(0, 2)).toEqual([String(launched.pid), "7"]);
  });

  describe("the CLI on Windows (its registry through node:sqlite; read here with better-sqlite3)", () => {
    const supervisor = { PROCESS_MONITOR_SUPERVISOR: `pm-test-cli-${process.pid}` };
    let db: string;
    beforeAll(() => {
      db = path.join(tempDir("pm-wreg-"), "process_handlers.db");
    });

    it("launch records the program as AYON on Windows would, and its end arrives after the CLI has exited", async () => {
      const cliGone = path.join(dir, "cli-gone");
      const child = script(
        dir,
        "cli-three.js",
        `setInterval(() => { if (require("fs").existsSync(${JSON.stringify(winPath(cliGone))})) process.exit(3); }, 50);`,
      );
      const launched = await windowsCli(
        ["--db", winPath(db), "launch", "--json", "--name", "render", "--", node, winPath(child), "frame 1"],
        supervisor,
      );
      expect(launched.stderr).toBe("");
      expect(launched.code, launched.stderr).toBe(0);
      // The CLI has exited: now the program ends.
      const cliLeftAt = Date.now() / 1000;
      fs.writeFileSync(cliGone, "");
      const record = JSON.parse(launched.stdout) as {
        hash: string;
        pid: number;
        startTime: number;
        executable: string;
        outputFile: string;
        cwd: string;
        args: string[];
      };
      expect(record.executable).toBe(node);
      expect(record.args).toEqual([winPath(child), "frame 1"]);
      expect(record.outputFile).toMatch(/^Z:\\tmp\\pm-wreg-[^\\]+\\process_output\\/);
      // The stored string and its hash are AYON's (a WindowsPath).
      expect(record.hash).toBe(
        JSON.parse(ayon(["hash-many-windows"], JSON.stringify([["render", record.pid, record.executable, record.startTime]])))[0],
      );
      const registry = await Registry.open(db);
      try {
        // Folded by the supervisor's own call of the CLI: nobody lists meanwhile.
        await expect.poll(async () => (await registry.get(record.hash))?.exitCode ?? null, { timeout: 20_000 }).toBe(3);
        const ended = (await registry.get(record.hash))!;
        expect(ended.stopped).toBe(true);
        expect(ended.endedAt!).toBeGreaterThanOrEqual(cliLeftAt - 0.05);
        // Its exit file is removed just after the row is written (the row first: nothing lost).
        await expect
          .poll(() => fs.readdirSync(exitsDirFor(path.join(path.dirname(db), "process_output"))).filter((f) => f.endsWith(".exit")))
          .toEqual([]);
      } finally {
        await registry.close();
      }
    });

    it("launch --wait exits with the program's code; stop ends a windowed program gracefully; list shows both", async () => {
      const waited = await windowsCli(
        ["--db", winPath(db), "launch", "--wait", "--name", "zero", "--", node, "-e", "process.exit(0)"],
        supervisor,
      );
      expect(waited.code, waited.stderr).toBe(0);
      const gui = windowed("cli-gui.js");
      const started = await windowsCli(["--db", winPath(db), "launch", "--name", "gui", "--", node, winPath(gui)], supervisor);
      const hash = started.stdout.trim();
      const outputOfGui = async () => {
        const registry = await Registry.open(db);
        try {
          return (await registry.get(hash))!.outputFile!;
        } finally {
          await registry.close();
        }
      };
      const file = (await outputOfGui()).replace(/^Z:/, "").replace(/\\/g, "/");
      await outputOf(file, (t) => t.includes("window true"));
      const stopped = await windowsCli(["--db", winPath(db), "stop", hash], supervisor);
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(stopped.stdout).toMatch(/closed when asked/);
      expect(fs.readFileSync(file, "utf8")).toContain("closed by WM_CLOSE");
      const listed = await windowsCli(["--db", winPath(db), "list", "--json"], supervisor);
      // Once it printed nothing on a loaded CI run: say why if it does again.
      expect(listed.code, `list --json: ${listed.stderr}`).toBe(0);
      const rows = JSON.parse(listed.stdout) as Array<{ name: string; status: string; exitCode: number | null; stopSignal: string | null }>;
      expect(rows.find((r) => r.name === "zero")).toMatchObject({ exitCode: 0, status: "stopped" });
      expect(rows.find((r) => r.name === "gui")).toMatchObject({ exitCode: 0, stopSignal: "SIGTERM" });
    });
  });
});
