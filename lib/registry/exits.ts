// Sidecar files in which a keeper (lib/launcher/keeper.ts) leaves the end of the program it
// waited for, until the registry has it: `process_output/.exits/<output file name>.exit`.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface ObservedExit {
  sidecar: string;
  outputFile: string;
  pid: number;
  exitCode: number | null;
  exitSignal: string | null;
  /** Seconds since the epoch. */
  endedAt: number;
  /** User + system CPU seconds of the program and its waited-for children (the keeper's `times`), when known. */
  cpuSeconds: number | null;
  /** The machine's out-of-memory kill counter when the program ended, when known. */
  oomKills: number | null;
  /** The program's peak resident memory, from its handle (Windows: peak working set), when known. */
  peakBytes: number | null;
}

export function exitsDirFor(outputDir: string): string {
  return path.join(outputDir, ".exits");
}

/** Where the keeper of the program writing `outputFile` leaves its end. */
export function sidecarFor(outputDir: string, outputFile: string): string {
  return path.join(exitsDirFor(outputDir), `${path.basename(outputFile)}.exit`);
}

const signalNames = new Map(Object.entries(os.constants.signals).map(([name, number]) => [number, name]));

/**
 * A shell's `$?` after `wait`: 128+N when signal N ended the program, else its exit code.
 * (A program that itself exits with 129..192 reads as a signal, as it does in any shell.)
 */
export function decodeShellStatus(status: number): { exitCode: number | null; exitSignal: string | null } {
  const signal = status > 128 ? signalNames.get(status - 128) : undefined;
  return signal ? { exitCode: null, exitSignal: signal } : { exitCode: status, exitSignal: null };
}

/**
 * A Windows end, as the supervisor writes it: `pid code end w`. Windows has no signals and
 * its exit codes are 32-bit (0xC0000005 is a crash), so the code is kept as it is; the `w`
 * says so to the reader, which would otherwise read a shell's 128+N as signal N.
 */
export function formatWindowsExit(
  pid: number,
  code: number,
  endedAt: number,
  usage: { cpuSeconds: number | null; peakBytes: number | null } = { cpuSeconds: null, peakBytes: null },
): string {
  const extras = [
    usage.cpuSeconds !== null ? `cpus=${usage.cpuSeconds.toFixed(3)}` : "",
    usage.peakBytes !== null ? `peak=${Math.round(usage.peakBytes)}` : "",
  ].filter(Boolean);
  return [`${pid} ${code >>> 0} ${endedAt.toFixed(6)} w`, ...extras].join(" ");
}

/** A shell's `times` figure, "1m2.345000s", in seconds. */
function shellSeconds(text: string | undefined): number | null {
  const match = /^(\d+)m(\d+(?:\.\d+)?)s$/.exec(text ?? "");
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

/**
 * The words after `pid status end`, any of which may be missing: the keeper's `cpu=USER+SYS` (a
 * shell's `times`) and `oom=N`; the Windows supervisor's `cpus=SECONDS` and `peak=BYTES`.
 */
function keeperExtras(words: string[]): Pick<ObservedExit, "cpuSeconds" | "oomKills" | "peakBytes"> {
  let cpuSeconds: number | null = null;
  let oomKills: number | null = null;
  let peakBytes: number | null = null;
  const count = (text: string) => (/^\d+(?:\.\d+)?$/.test(text) ? Number(text) : null);
  for (const word of words) {
    if (word.startsWith("cpu=")) {
      const [user, system] = word.slice(4).split("+").map(shellSeconds);
      cpuSeconds = user !== null && user !== undefined && system !== null && system !== undefined ? user + system : null;
    } else if (word.startsWith("cpus=")) cpuSeconds = count(word.slice(5));
    else if (word.startsWith("oom=")) oomKills = count(word.slice(4));
    else if (word.startsWith("peak=")) peakBytes = count(word.slice(5));
  }
  return { cpuSeconds, oomKills, peakBytes };
}

/** Every sidecar waiting in the output folder; malformed ones are skipped (and reported). */
export function readObservedExits(outputDir: string): { exits: ObservedExit[]; malformed: string[] } {
  const dir = exitsDirFor(outputDir);
  const exits: ObservedExit[] = [];
  const malformed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return { exits, malformed };
  }
  for (const name of names) {
    if (!name.endsWith(".exit")) continue;
    const sidecar = path.join(dir, name);
    let text: string;
    try {
      text = fs.readFileSync(sidecar, "utf8");
    } catch {
      continue;
    }
    const words = text.trim().split(/\s+/);
    const [pid, status, end] = words.slice(0, 3).map(Number);
    if (!Number.isSafeInteger(pid) || !Number.isSafeInteger(status) || !Number.isFinite(end)) {
      malformed.push(sidecar);
      continue;
    }
    exits.push({
      sidecar,
      outputFile: path.join(outputDir, name.slice(0, -".exit".length)),
      pid: pid!,
      endedAt: end!,
      ...(words[3] === "w" ? { exitCode: status!, exitSignal: null } : decodeShellStatus(status!)),
      ...keeperExtras(words.slice(3)),
    });
  }
  return { exits, malformed };
}
