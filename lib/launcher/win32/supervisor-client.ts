// Reaching this user's supervisor (supervisor.ts), starting it when it does not run.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { dataDir } from "../../config/paths";
import type { SupervisorAnswer, SupervisorRequest } from "./supervisor";

/** Names this user's supervisor; PROCESS_MONITOR_SUPERVISOR gives another (tests, a second install). */
export function supervisorPipe(): string {
  const name = process.env.PROCESS_MONITOR_SUPERVISOR || os.userInfo().username;
  return `\\\\.\\pipe\\process-monitor-${createHash("sha256").update(name).digest("hex").slice(0, 16)}`;
}

export function supervisorStateFile(pipe = supervisorPipe()): string {
  return path.join(dataDir(), `supervisor-${pipe.slice(-16)}.json`);
}

/** The supervisor's script: beside the CLI's bundle (dist/cli/supervisor.js). */
export function supervisorScript(cli: string | null): string | null {
  if (!cli) return null;
  const script = path.join(path.dirname(path.dirname(cli)), "dist", "cli", "supervisor.js");
  return fs.existsSync(script) ? script : null;
}

function ask(pipe: string, request: SupervisorRequest, timeoutMs: number): Promise<SupervisorAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(pipe);
    let buffered = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the supervisor did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding("utf8");
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      const at = buffered.indexOf("\n");
      if (at < 0) return;
      clearTimeout(timer);
      socket.end();
      try {
        resolve(JSON.parse(buffered.slice(0, at)) as SupervisorAnswer);
      } catch (error) {
        reject(error as Error);
      }
    });
    socket.write(`${JSON.stringify(request)}\n`);
  });
}

export interface ReachOptions {
  pipe?: string;
  /** The supervisor's script, started with this Node when nobody listens on the pipe. */
  script?: string | null;
  node?: string;
}

/**
 * Asks the supervisor, starting it first when it does not run (a detached Node with no
 * window, which outlives whoever started it). Two launchers that start one each at once
 * end with one: the second cannot listen on the pipe and leaves.
 */
export async function askSupervisor(request: SupervisorRequest, options: ReachOptions = {}): Promise<SupervisorAnswer> {
  const pipe = options.pipe ?? supervisorPipe();
  try {
    return await ask(pipe, request, 5_000);
  } catch (error) {
    if (!options.script) throw error;
  }
  const child = spawn(
    /*turbopackIgnore: true*/ options.node ?? process.execPath,
    [options.script, "--pipe", pipe, "--state", supervisorStateFile(pipe)],
    {
      detached: true,
      stdio: "ignore",
      windowsHide: true,
    },
  );
  child.on("error", () => undefined);
  child.unref();
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await ask(pipe, request, 5_000);
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`could not reach the supervisor it started: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
