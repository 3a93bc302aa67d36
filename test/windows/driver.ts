// Runs under Node for Windows (under Wine in CI): the platform layer's operations, asked
// for over HTTP on loopback by test/windows.test.ts, which runs on Linux. stdout is not used
// (under Wine a pipe fails with EBADF); the port goes to the file named by argv[2].
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ProcessSnapshot } from "../../lib/system/snapshot";
import { descendantsOf, flattenDescendants, identifyProcess } from "../../lib/system/probe";
import { readProcessFacts, readToolhelpTable, splitCommandLine } from "../../lib/system/win32/processes";
import { launchOnWindows, type WindowsLaunch } from "../../lib/launcher/win32/start";
import { windowsCommand } from "../../lib/launcher/win32/command-line";
import { resolveExecutable } from "../../lib/launcher/resolve";
import { stopProcess, type StopStore } from "../../lib/launcher/stop";
import { askSupervisor } from "../../lib/launcher/win32/supervisor-client";
import { jobNameFor } from "../../lib/launcher/win32/spawn";
import type { ProcessRow } from "../../lib/registry";

type Body = Record<string, unknown>;
const launches = new Map<number, WindowsLaunch>();
const [portFile, supervisorScript, pipe] = process.argv.slice(2);

function errorOf(error: unknown): { error: string; code?: string } {
  const e = error as { message?: string; code?: string };
  return { error: e.message ?? String(error), ...(e.code ? { code: e.code } : {}) };
}

const ops: Record<string, (body: Body) => unknown> = {
  ping: () => ({
    platform: process.platform,
    pid: process.pid,
    execPath: process.execPath,
    uptime: process.uptime(),
    now: Date.now() / 1000,
  }),
  table: async () => {
    const table = readToolhelpTable();
    const snapshot = await ProcessSnapshot.take();
    return { table, snapshotSize: snapshot.size, self: snapshot.get(process.pid) ?? null, selfStat: snapshot.statOf(process.pid) };
  },
  facts: (b) => readProcessFacts(Number(b.pid)),
  launch: async (b) => {
    const launched = await launchOnWindows({
      executable: String(b.executable),
      args: (b.args as string[]) ?? [],
      cwd: String(b.cwd),
      env: { ...(process.env as Record<string, string>), ...((b.env as Record<string, string>) ?? {}) },
      outputFile: String(b.outputFile),
      id: String(b.id),
      sidecar: String(b.sidecar),
      dbPath: null,
      cli: null,
      supervisor: supervisorScript ?? null,
      pipe,
    });
    launches.set(launched.pid, launched);
    return {
      pid: launched.pid,
      startTime: launched.startTime,
      supervisorPid: launched.supervisorPid,
      supervisorError: launched.supervisorError,
      job: jobNameFor(String(b.id)),
    };
  },
  go: (b) => {
    launches.get(Number(b.pid))?.go();
    return {};
  },
  cancel: (b) => {
    launches.get(Number(b.pid))?.cancel();
    return {};
  },
  ended: async (b) => {
    const launched = launches.get(Number(b.pid));
    if (!launched) throw new Error(`no launch ${String(b.pid)}`);
    return launched.ended;
  },
  identify: async (b) => {
    const pid = Number(b.pid);
    const startTime = b.startTime === null ? null : Number(b.startTime);
    const executable = (b.executable as string | null) ?? null;
    return {
      direct: identifyProcess(await ProcessSnapshot.ofPids([pid]), pid, executable, startTime),
      table: identifyProcess(await ProcessSnapshot.take(), pid, executable, startTime),
    };
  },
  // The flat list is the answer: each without its nested children.
  descendants: async (b) =>
    flattenDescendants(descendantsOf(await ProcessSnapshot.take(), Number(b.pid))).map((d) => ({ ...d, children: [] })),
  stop: async (b) => {
    // The one record of this stop, kept in memory: the registry's SQLite driver has no
    // Windows build to install here, so the record's store is the Linux side's.
    // A plain object where a ProcessRow is read: stop reads its fields only.
    let record = b.record as unknown as ProcessRow;
    const requested: string[] = [];
    const store: StopStore = {
      get: async (hash) => (hash === record.hash ? record : null),
      markStopped: async () => {
        record = { ...record, stopped: true } as unknown as ProcessRow;
      },
      markStopRequested: async (_hash, signal) => {
        requested.push(signal);
      },
    };
    const started = Date.now();
    const result = await stopProcess(store, record.hash, { graceMs: Number(b.graceMs ?? 5000), force: Boolean(b.force) });
    return {
      outcome: result.outcome,
      signal: result.signal,
      descendants: result.descendants,
      message: result.message,
      requested,
      tookMs: Date.now() - started,
    };
  },
  resolve: (b) => resolveExecutable(String(b.executable), String(b.cwd), b.path as string | undefined, b.pathext as string | undefined),
  roundTrip: (b) => {
    const line = windowsCommand(String(b.executable), b.args as string[], "C:\\windows\\system32\\cmd.exe").commandLine;
    return { line, argv: splitCommandLine(line) };
  },
  break: (b) => askSupervisor({ op: "break", pid: Number(b.pid), startTime: Number(b.startTime) }, { pipe }),
  supervisor: () => askSupervisor({ op: "ping" }, { pipe, script: supervisorScript ?? null }),
  exit: () => {
    setTimeout(() => process.exit(0), 20);
    return {};
  },
};

const server = http.createServer((request, response) => {
  let text = "";
  request.setEncoding("utf8");
  request.on("data", (chunk: string) => (text += chunk));
  request.on("end", () => {
    const op = ops[(request.url ?? "/").slice(1)];
    const answer = async () => {
      if (!op) throw new Error(`no such op ${request.url}`);
      return { ok: true, value: await op(text ? (JSON.parse(text) as Body) : {}) };
    };
    answer()
      .catch((error: unknown) => ({ ok: false, ...errorOf(error) }))
      .then((body) => {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
      });
  });
});
server.listen(0, "127.0.0.1", () => {
  fs.writeFileSync(`${portFile}.tmp`, String((server.address() as AddressInfo).port));
  fs.renameSync(`${portFile}.tmp`, portFile!);
});
