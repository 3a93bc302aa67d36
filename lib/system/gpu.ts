// GPU memory per process where NVIDIA's `nvidia-smi` exists (SPEC "The end record"): its
// process table lists compute (C) and graphics (G) processes alike (a DCC's viewport is a
// graphics one), which `--query-compute-apps` would leave out. Absent (null) without one.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

function onPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return null;
}

const UNITS: Record<string, number> = { KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30 };

/**
 * The "Processes:" table of `nvidia-smi`'s own output: `| GPU GI CI PID Type Process-name Memory |`
 * rows, the memory last ("1234MiB", or "N/A" where the driver cannot tell). A pid on two GPUs adds up.
 */
export function parseNvidiaSmi(text: string): Map<number, number> {
  const byPid = new Map<number, number>();
  const start = text.search(/^\|\s*Processes:/m);
  if (start < 0) return byPid;
  for (const line of text.slice(start).split("\n")) {
    const match = /^\|\s*\d+\s+(?:\S+\s+\S+\s+)?(\d+)\s+(C\+G|C|G)\s+.*?(\d+(?:\.\d+)?)\s*(KiB|MiB|GiB)\s*\|\s*$/.exec(line);
    if (!match) continue;
    const pid = Number(match[1]);
    byPid.set(pid, (byPid.get(pid) ?? 0) + Math.round(Number(match[3]) * UNITS[match[4]!]!));
  }
  return byPid;
}

/** GPU memory per pid now, or null where there is no `nvidia-smi` (or it failed: no driver, no GPU). */
export async function gpuMemoryByPid(): Promise<Map<number, number> | null> {
  const command = onPath(process.platform === "win32" ? "nvidia-smi.exe" : "nvidia-smi");
  if (!command) return null;
  return new Promise((resolve) => {
    execFile(command, [], { timeout: 3_000, maxBuffer: 4 * 2 ** 20, windowsHide: true }, (error, stdout) => {
      resolve(error ? null : parseNvidiaSmi(String(stdout)));
    });
  });
}
