// The Windows suite's side on Linux: Node for Windows under Wine running test/windows/driver.ts,
// asked over HTTP on loopback. Prepared by scripts/prepare-windows.js (npm test does it when
// Wine is installed).
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { WINE, bundleForWindows, koffiWindows, nodeExe, prefix } from "../../scripts/prepare-windows.js";
import { tempDir } from "./temp";

const root = path.resolve(__dirname, "..", "..");

/** Why the suite cannot run here, or null when it can. */
export function wineMissing(): string | null {
  if (process.platform !== "linux") return "not Linux";
  if (!fs.existsSync(WINE)) return `no Wine (${WINE}); apt-get install wine64`;
  if (!fs.existsSync("/usr/bin/Xvfb")) return "no Xvfb (windows for WM_CLOSE); apt-get install xvfb";
  for (const [what, file] of [
    ["Node for Windows", nodeExe],
    ["koffi's Windows prebuilt", koffiWindows],
    ["the Wine prefix", path.join(prefix, "system.reg")],
  ] as const) {
    if (!fs.existsSync(file)) return `${what} is not prepared (${file}): node scripts/prepare-windows.js`;
  }
  return null;
}

/** This Linux path as Windows programs under Wine see it (drive Z: is /). */
export function winPath(linuxPath: string): string {
  return `Z:${linuxPath.replace(/\//g, "\\")}`;
}

let display: { name: string; server: ChildProcess } | undefined;

/**
 * An X display of our own (Xvfb), so that Windows programs under Wine have real windows
 * (WM_CLOSE); without one, Wine refuses to create any.
 */
export async function startDisplay(): Promise<void> {
  if (display || !fs.existsSync("/usr/bin/Xvfb")) return;
  for (let number = 90 + (process.pid % 50); ; number++) {
    if (fs.existsSync(`/tmp/.X11-unix/X${number}`) || fs.existsSync(`/tmp/.X${number}-lock`)) continue;
    const server = spawn("/usr/bin/Xvfb", [`:${number}`, "-screen", "0", "1024x768x24", "-nolisten", "tcp"], { stdio: "ignore" });
    const deadline = Date.now() + 10_000;
    while (!fs.existsSync(`/tmp/.X11-unix/X${number}`) && server.exitCode === null && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    if (server.exitCode === null) {
      display = { name: `:${number}`, server };
      return;
    }
  }
}

export const wineEnv = () => ({ ...process.env, WINEPREFIX: prefix, WINEDEBUG: "-all", ...(display ? { DISPLAY: display.name } : {}) });

let built: { driver: string; supervisor: string } | undefined;

/** The driver and the supervisor, bundled for Node for Windows (packages stay external: node_modules). */
export async function buildWindowsBundles(): Promise<{ driver: string; supervisor: string }> {
  if (built) return built;
  const out = path.join(root, ".cache", "windows", `build-${process.pid}`);
  const bundles = await bundleForWindows({ driver: "test/windows/driver.ts" }, out);
  built = { driver: bundles.driver!, supervisor: bundles.supervisor! };
  return built;
}

export interface Driver {
  call<T = unknown>(op: string, body?: unknown): Promise<T>;
  /** Ends the driver (its launches and the supervisor go on). */
  exit(): Promise<void>;
  log(): string;
  pid: number;
  /** When it was started (seconds since the epoch, this clock). */
  startedAt: number;
}

const children: ChildProcess[] = [];

/** Starts a driver under Wine (about a second). `pipe` names the supervisor the driver uses. */
export async function startDriver(pipe: string): Promise<Driver> {
  const { driver, supervisor } = await buildWindowsBundles();
  const dir = tempDir("pm-wine-");
  const portFile = path.join(dir, "port");
  const logFile = path.join(dir, "driver.log");
  const log = fs.openSync(logFile, "w");
  const startedAt = Date.now() / 1000;
  // Node's stdout into a pipe fails under Wine (EBADF): a file.
  const child = spawn(WINE, [nodeExe, winPath(driver), winPath(portFile), winPath(supervisor), pipe], {
    env: wineEnv(),
    stdio: ["ignore", log, log],
  });
  fs.closeSync(log);
  children.push(child);
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(portFile)) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`the Windows driver did not start: ${fs.readFileSync(logFile, "utf8")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const port = Number(fs.readFileSync(portFile, "utf8"));
  const call = async <T>(op: string, body: unknown = {}): Promise<T> => {
    const response = await fetch(`http://127.0.0.1:${port}/${op}`, { method: "POST", body: JSON.stringify(body) });
    const answer = (await response.json()) as { ok: boolean; value?: T; error?: string; code?: string };
    if (!answer.ok) throw Object.assign(new Error(answer.error), { code: answer.code });
    return answer.value as T;
  };
  const { pid } = await call<{ pid: number }>("ping");
  return {
    call,
    pid,
    startedAt,
    log: () => fs.readFileSync(logFile, "utf8"),
    exit: async () => {
      await call("exit").catch(() => undefined);
      await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", () => resolve())));
    },
  };
}

/**
 * The CLI (bin/process-monitor.js, its bundle built on Linux by the global setup) run by Node
 * for Windows; its registry through node:sqlite, since better-sqlite3 here is Linux's build.
 */
export async function windowsCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = tempDir("pm-wcli-");
  const out = path.join(dir, "out");
  const err = path.join(dir, "err");
  const [stdout, stderr] = [fs.openSync(out, "w"), fs.openSync(err, "w")];
  const child = spawn(WINE, [nodeExe, winPath(path.join(root, "bin", "process-monitor.js")), ...args], {
    env: { ...wineEnv(), ...env },
    stdio: ["ignore", stdout, stderr],
  });
  fs.closeSync(stdout);
  fs.closeSync(stderr);
  children.push(child);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, stdout: fs.readFileSync(out, "utf8"), stderr: fs.readFileSync(err, "utf8") };
}

/** A supervisor pipe of this test file's own. */
export function testPipe(): string {
  return `\\\\.\\pipe\\pm-test-${crypto.randomBytes(6).toString("hex")}`;
}

/** Everything Windows this file started (drivers, supervisor, launches) ends with the prefix's wineserver. */
export function endWine(): void {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  try {
    execFileSync(path.join(path.dirname(WINE), "wineserver"), ["-k"], { env: wineEnv(), stdio: "ignore", timeout: 20_000 });
  } catch {
    /* none ran */
  }
  display?.server.kill("SIGKILL");
  display = undefined;
  if (built) fs.rmSync(path.dirname(built.driver), { recursive: true, force: true });
  built = undefined;
}
