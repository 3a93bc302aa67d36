// One supervisor per user on Windows: a small Node process that holds a handle on every
// program launched on this workstation and records each end (exit code, end time) in its
// sidecar, as the Linux keeper does, whether or not the dashboard still runs. One per user
// rather than one per launch: a Node keeper per launch would cost ~40 MB each, and Windows
// offers no `sh` to keep in a few. It outlives the dashboard, keeps what it watches in a
// state file and takes it up again when restarted (a pid is re-opened only while its
// creation time still matches), and leaves after ten idle minutes.
//
// Requests arrive as JSON lines on a named pipe (the pipe's name is the lock: a second
// supervisor cannot listen on it and leaves):
//   {"op":"adopt","pid":…,"startTime":…,"sidecar":…,"job":…,"node":…,"cli":…,"db":…}
//   {"op":"break","pid":…,"startTime":…}   CTRL_BREAK to the program's console group
//   {"op":"ping"}
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { spawn } from "node:child_process";
import { win32 } from "../../system/win32/bindings";
import { endOf, openAs } from "../../system/win32/processes";
import { formatWindowsExit } from "../../registry/exits";

const SYNCHRONIZE = 0x100000;
const JOB_OBJECT_ALL_ACCESS = 0x1f001f;
const CTRL_BREAK_EVENT = 1;
const IDLE_EXIT_MS = 10 * 60_000;
const POLL_MS = 200;

export interface Adoption {
  pid: number;
  startTime: number;
  sidecar: string;
  job: string | null;
  node: string | null;
  cli: string | null;
  db: string | null;
}

interface Watched extends Adoption {
  process: unknown;
  jobHandle: unknown;
}

export type SupervisorRequest = ({ op: "adopt" } & Adoption) | { op: "break"; pid: number; startTime: number } | { op: "ping" };
export type SupervisorAnswer = { ok: true; pid: number; watching: number; sent?: boolean; why?: string } | { ok: false; error: string };

export interface SupervisorOptions {
  pipe: string;
  stateFile: string;
  /** Test hook: how long it stays with nothing to watch. */
  idleExitMs?: number;
}

export async function runSupervisor(options: SupervisorOptions): Promise<void> {
  const { k32 } = win32();
  fs.mkdirSync(path.dirname(options.stateFile), { recursive: true });
  // Console events never stop the supervisor itself (it attaches to programs' consoles).
  k32.SetConsoleCtrlHandler(null, 1);
  const watched = new Map<string, Watched>();
  const key = (pid: number, startTime: number) => `${pid}:${startTime}`;

  const save = () => {
    const list: Adoption[] = [...watched.values()].map(({ pid, startTime, sidecar, job, node, cli, db }) => ({
      pid,
      startTime,
      sidecar,
      job,
      node,
      cli,
      db,
    }));
    const temp = `${options.stateFile}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(list));
    fs.renameSync(temp, options.stateFile);
  };

  const adopt = (adoption: Adoption): string | null => {
    const process_ = openAs(adoption.pid, adoption.startTime, SYNCHRONIZE);
    if (!process_) return `pid ${adoption.pid} is not the process that started at ${adoption.startTime}`;
    // Holding the Job object keeps it (and its name) alive for stops from other processes.
    const jobHandle = adoption.job ? k32.OpenJobObjectW(JOB_OBJECT_ALL_ACCESS, 0, adoption.job) : null;
    // The sidecar's blocks are taken now, so that a disk that fills later cannot lose the end.
    try {
      if (!fs.existsSync(`${adoption.sidecar}.tmp`)) fs.writeFileSync(`${adoption.sidecar}.tmp`, `${" ".repeat(128)}\n`);
    } catch {
      /* written whole at the end instead */
    }
    watched.set(key(adoption.pid, adoption.startTime), { ...adoption, process: process_, jobHandle });
    return null;
  };

  const record = (entry: Watched, end: NonNullable<ReturnType<typeof endOf>>) => {
    const text = formatWindowsExit(entry.pid, end.exitCode ?? 0, end.endedAt, end);
    try {
      const fd = fs.openSync(`${entry.sidecar}.tmp`, fs.existsSync(`${entry.sidecar}.tmp`) ? "r+" : "w");
      fs.writeSync(fd, text.padEnd(128, " "), 0);
      fs.closeSync(fd);
      fs.renameSync(`${entry.sidecar}.tmp`, entry.sidecar);
    } catch {
      /* the folder is gone: nobody is left to read it */
    }
    k32.CloseHandle(entry.process);
    if (entry.jobHandle) k32.CloseHandle(entry.jobHandle);
    if (entry.node && entry.cli && entry.db) {
      // Folded into the registry now; if that fails (locked) the next listing folds it.
      const child = spawn(entry.node, [entry.cli, "record-exits", "--db", entry.db], {
        stdio: "ignore",
        windowsHide: true,
        detached: true,
      });
      child.on("error", () => undefined);
      child.unref();
    }
  };

  /** CTRL_BREAK on the program's console, to its group; why not, when it could not be sent. */
  const sendBreak = (pid: number, startTime: number): { sent: boolean; why?: string } => {
    const handle = openAs(pid, startTime, 0);
    if (!handle) return { sent: false, why: "not the recorded process" };
    k32.CloseHandle(handle);
    k32.FreeConsole();
    if (!k32.AttachConsole(pid)) return { sent: false, why: `no console to attach to (error ${String(k32.GetLastError())})` };
    const sent = Boolean(k32.GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, pid));
    const why = sent ? undefined : `GenerateConsoleCtrlEvent failed (error ${String(k32.GetLastError())})`;
    k32.FreeConsole();
    return { sent, ...(why ? { why } : {}) };
  };

  try {
    for (const adoption of JSON.parse(fs.readFileSync(options.stateFile, "utf8")) as Adoption[]) adopt(adoption);
  } catch {
    /* no state yet */
  }

  const server = net.createServer((socket) => {
    let buffered = "";
    socket.setEncoding("utf8");
    socket.on("error", () => undefined);
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      for (let at = buffered.indexOf("\n"); at >= 0; at = buffered.indexOf("\n")) {
        const line = buffered.slice(0, at);
        buffered = buffered.slice(at + 1);
        let answer: SupervisorAnswer;
        try {
          const request = JSON.parse(line) as SupervisorRequest;
          if (request.op === "adopt") {
            const refused = adopt(request);
            if (!refused) save();
            answer = refused ? { ok: false, error: refused } : { ok: true, pid: process.pid, watching: watched.size };
          } else if (request.op === "break") {
            answer = { ok: true, pid: process.pid, watching: watched.size, ...sendBreak(request.pid, request.startTime) };
          } else {
            answer = { ok: true, pid: process.pid, watching: watched.size };
          }
        } catch (error) {
          answer = { ok: false, error: (error as Error).message };
        }
        socket.write(`${JSON.stringify(answer)}\n`);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.pipe, resolve);
  });
  save();

  let idleSince = watched.size === 0 ? Date.now() : null;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      let ended = false;
      for (const [id, entry] of watched) {
        const end = endOf(entry.process);
        if (!end) continue;
        record(entry, end);
        watched.delete(id);
        ended = true;
      }
      if (ended) save();
      if (watched.size > 0) idleSince = null;
      else idleSince ??= Date.now();
      if (idleSince !== null && Date.now() - idleSince >= (options.idleExitMs ?? IDLE_EXIT_MS)) {
        clearInterval(timer);
        server.close();
        resolve();
      }
    }, POLL_MS);
  });
}
