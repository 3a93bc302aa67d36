import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import WebSocket from "ws";
import { startServer, type RunningServer } from "./next-server";

const root = path.resolve(import.meta.dirname, "..", "..");
const cli = path.join(root, "bin", "process-monitor.js");

export const FLEET_KEY = "test-fleet-key-0123456789abcdef";
/** The hubs' read-only token (PROCESS_MONITOR_VIEWER_TOKEN). */
export const VIEWER_TOKEN = "test-viewer-token-0123456789abcdef";

/** A hub: the dashboard with PROCESS_MONITOR_HUB=1, its fleet store in `home` (or `fleetDb`). */
export function startHub(
  home: string,
  { fleetDb, port, env = {} }: { fleetDb?: string; port?: number; env?: Record<string, string> } = {},
): Promise<RunningServer> {
  fs.mkdirSync(home, { recursive: true });
  return startServer(
    {
      HOME: home,
      PROCESS_MONITOR_DB: path.join(home, "hub-registry.db"),
      PROCESS_MONITOR_HUB: "1",
      PROCESS_MONITOR_FLEET_KEY: FLEET_KEY,
      PROCESS_MONITOR_VIEWER_TOKEN: VIEWER_TOKEN,
      ...(fleetDb ? { PROCESS_MONITOR_FLEET_DB: fleetDb } : {}),
      ...env,
    },
    port,
  );
}

/** A workstation: its own registry and data folder, reporting to `hubUrl` every second. */
export interface Workstation {
  home: string;
  db: string;
  env: NodeJS.ProcessEnv;
  /** Runs the CLI against this workstation's registry. */
  cli: (...args: string[]) => CliResult;
  /** The same without blocking this process (a proxy or webhook receiver in the test keeps answering). */
  cliAsync: (...args: string[]) => Promise<CliResult>;
  /** Kills every record still running in this workstation's registry (a test's cleanup). */
  stopAll: () => void;
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function workstation(home: string, hubUrl: string, hostName: string, extra: Record<string, string> = {}): Workstation {
  fs.mkdirSync(home, { recursive: true });
  const db = path.join(home, "registry.db");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: path.join(home, ".local", "share"),
    PROCESS_MONITOR_DB: db,
    PROCESS_MONITOR_HUB_URL: hubUrl,
    PROCESS_MONITOR_HUB_KEY: FLEET_KEY,
    PROCESS_MONITOR_HOST_NAME: hostName,
    PROCESS_MONITOR_REPORT_SECONDS: "1",
    PROCESS_MONITOR_MACHINE_ID: `machine-${hostName}-${path.basename(home)}`,
    ...extra,
  };
  return {
    home,
    db,
    env,
    cli: (...args) => {
      const result = spawnSync(process.execPath, [cli, ...args], { env, encoding: "utf8", timeout: 60_000 });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    stopAll: () => stopAllIn(db, env),
    cliAsync: (...args) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [cli, ...args], { env, timeout: 60_000 });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (status) => resolve({ status, stdout, stderr }));
      }),
  };
}

/** Kills every record still running in the registry at `db`, whoever launched it (a test's cleanup). */
export function stopAllIn(db: string, env: NodeJS.ProcessEnv = process.env): void {
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { env, encoding: "utf8", timeout: 60_000 });
  const listed = run("list", "--db", db, "--running", "--json");
  if (listed.status !== 0) return;
  for (const { hash } of JSON.parse(listed.stdout) as Array<{ hash: string }>) run("stop", "--db", db, "--force", hash);
}

export interface RunningAgent {
  child: ChildProcess;
  logs: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/**
 * `process-monitor agent` for a workstation, as a real process; `command` runs another install
 * of the CLI (a script taking the CLI's arguments).
 */
export function startAgent(ws: Workstation, command = cli): RunningAgent {
  let output = "";
  const child = spawn(process.execPath, [command, "agent"], { env: ws.env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  return {
    child,
    logs: () => output,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill(signal);
      await exited;
    },
  };
}

export interface HostJson {
  name: string;
  id: string;
  hostname: string;
  status: "online" | "stale" | "offline";
  lastSeen: string | null;
  running: number;
  total: number;
  crashes24h: number;
  facts?: { tags?: string[] } | null;
  sharesIdWith: string[];
  revoked: boolean;
}

export async function fleetHosts(hub: RunningServer): Promise<HostJson[]> {
  const response = await hub.api("/api/fleet/hosts");
  if (!response.ok) throw new Error(`hosts: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { hosts: HostJson[] }).hosts;
}

export async function fleetHost(hub: RunningServer, name: string): Promise<HostJson | undefined> {
  return (await fleetHosts(hub)).find((h) => h.name === name);
}

/** Launches `command` on a workstation as a user would (the CLI); its record's hash. */
export function launch(ws: Workstation, name: string, ...command: string[]): string {
  const result = ws.cli("launch", "--name", name, "--", ...command);
  if (result.status !== 0) throw new Error(`launch failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** One record as the hub's API answers it, or null when it does not know it. */
export async function recordOnHub(hub: RunningServer, host: string, hash: string) {
  const response = await hub.api(`/api/fleet/hosts/${host}/processes/${hash}`);
  return response.ok ? ((await response.json()) as { status: string; exitCode: number | null; pid: number | null }) : null;
}

/** Polls outside a test (hooks): resolves once `check` returns true, else throws after `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A host enrolled by hand with the fleet key, no agent behind it: its fleet name and secret. */
export async function enrolByHand(hubUrl: string, machineId: string, hostname: string): Promise<{ name: string; secret: string }> {
  const enrolled = await fetch(`${hubUrl}/api/fleet/enroll`, {
    method: "POST",
    headers: { authorization: `Bearer ${FLEET_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ protocol: 1, hostId: crypto.randomUUID(), machineId, hostname }),
  });
  if (!enrolled.ok) throw new Error(`enrol: ${enrolled.status} ${await enrolled.text()}`);
  return (await enrolled.json()) as { name: string; secret: string };
}

/** The agents' channel opened with a host secret, as an agent opens it. */
export function agentSocket(hubUrl: string, secret: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${hubUrl.replace(/^http/, "ws")}/api/fleet/channel`, { headers: { authorization: `Bearer ${secret}` } });
    socket.once("open", () => resolve(socket));
    socket.once("error", reject);
  });
}
