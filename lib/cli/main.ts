#!/usr/bin/env node
// The script-facing CLI (SPEC "Interfaces that scripts rely on"). Errors go to stderr
// with a non-zero exit code: 1 for a failed operation, 2 for a usage mistake.
import { Command, CommanderError, Option } from "commander";
import { RegistryError } from "../registry/errors";
import { toProcessJson } from "../registry/json";
import type { ListedProcess } from "../registry/types";
import { LaunchError } from "../launcher/errors";
import { openProcesses, type LocalProcesses } from "../processes";
import { ALL } from "../processes/query";
import { formatDetails, formatTable } from "./format";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describeLeftAlone } from "../registry/left-alone";
import { MIN_HASH_PREFIX } from "../registry/hash";
import { MAX_GRACE_SECONDS, STOP_GRACE_SECONDS } from "../launcher/grace";
import { CliError } from "./errors";
import { knownFailure } from "../failure";
import { resolveDbPath } from "../config/paths";

export { CliError };

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const dbOption = () => new Option("--db <path>", "registry file (overrides PROCESS_MONITOR_DB)");

/**
 * Where the user typed the command. `npm run cli -- …` runs from the package's folder and says
 * where the user was in INIT_CWD (only then: a process-monitor started by any other npm script
 * inherits an INIT_CWD that is not its own).
 */
export function userDirectory(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return env.npm_lifecycle_event === "cli" && env.INIT_CWD ? env.INIT_CWD : cwd;
}

/**
 * The processes of the registry named by --db (else PROCESS_MONITOR_DB), through the one door;
 * relative paths (--db, --cwd, ./program) are the user's directory's.
 */
async function withProcesses<T>(opts: { db?: string }, fn: (processes: LocalProcesses, dbPath: string) => Promise<T>): Promise<T> {
  const here = userDirectory();
  const explicit = opts.db ? path.resolve(here, opts.db) : undefined;
  try {
    const opened = await openProcesses(explicit, here);
    try {
      return await fn(opened.processes, opened.dbPath);
    } finally {
      await opened.close();
    }
  } catch (error) {
    // A full disk in the words the pages use (a lock held by another program says so already).
    const failure = knownFailure(error, resolveDbPath(explicit));
    throw failure?.code === "DISK_FULL" ? new CliError(failure.message) : error;
  }
}

async function resolveOrFail(processes: LocalProcesses, dbPath: string, hash: string): Promise<string> {
  const full = await processes.resolve(hash);
  if (!full && /^[0-9a-f]+$/i.test(hash.trim()) && hash.trim().length < MIN_HASH_PREFIX) {
    throw new CliError(`"${hash}" is too short to name a record: give at least ${MIN_HASH_PREFIX} characters of its hash.`, 2);
  }
  if (!full) throw new CliError(`No process record with hash "${hash}" in ${dbPath}.`);
  return full;
}

async function findRecord(processes: LocalProcesses, dbPath: string, hash: string): Promise<ListedProcess> {
  const item = await processes.get(await resolveOrFail(processes, dbPath, hash));
  if (!item) throw new CliError(`No process record with hash "${hash}" in ${dbPath}.`);
  return item.record;
}

/** What a command wants the CLI to exit with when it did not fail (launch --wait). */
interface Outcome {
  exitCode: number;
}

export function buildProgram(io: Io, outcome: Outcome = { exitCode: 0 }): Command {
  const program = new Command("process-monitor")
    .description("Launch, inspect and stop processes recorded in the Process Monitor registry.")
    .addOption(dbOption())
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();

  const globals = (cmd: Command) => cmd.optsWithGlobals() as { db?: string; json?: boolean };

  program
    .command("launch")
    .description("start a process with its output captured, and record it; prints the new hash")
    .usage("--name NAME [--cwd DIR] [--env KEY=VALUE]... [--json] [--wait [--quiet]] -- EXECUTABLE [ARG]...")
    .requiredOption("--name <name>", "display name (maya, nuke, render)")
    .option("--cwd <dir>", "working directory (default: the one you are in, also under npm run cli)")
    .option(
      "--env <KEY=VALUE>",
      "an environment variable for the child (repeatable)",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option("--env-replace", "give the child only the --env variables instead of adding them to this environment")
    .option("--wait", "stay until the process ends, showing its output as it comes; record its exit and exit with its exit code")
    .option("--quiet", "with --wait: print only the hash, not the program's output")
    .option("--json", "print the new record as JSON instead of its hash")
    .addOption(dbOption())
    .argument("<executable>", "path, or a command found in PATH")
    .argument("[args...]", "arguments, after --")
    .action(
      async (
        executable: string,
        args: string[],
        opts: { name: string; cwd?: string; env: string[]; envReplace?: boolean; wait?: boolean; quiet?: boolean },
        cmd: Command,
      ) => {
        const { json } = globals(cmd);
        // Loaded on use: validation pulls in zod, which `list` and `show` need not pay for.
        const { parseEnvLines } = await import("../validation/launch");
        const { env, errors } = parseEnvLines(opts.env);
        if (opts.env.some((line) => line.trim() === "")) errors.push("an empty --env is not KEY=VALUE");
        if (errors.length) throw new CliError(`Bad --env: ${errors.join("; ")}`, 2);
        await withProcesses(globals(cmd), async (processes) => {
          const launched = await processes.launch({
            name: opts.name,
            executable,
            args,
            env,
            envMode: opts.envReplace ? "replace" : "merge",
            cwd: opts.cwd,
          });
          const { record } = launched.item;
          // Waiting in a terminal, stdout is the program's output: the hash goes to stderr.
          const streaming = Boolean(opts.wait && !opts.quiet && !json && record.outputFile);
          if (streaming) io.err(`process-monitor: ${record.name} recorded as ${record.hash}\n`);
          else io.out(json ? JSON.stringify(toProcessJson(record), null, 2) + "\n" : `${record.hash}\n`);
          if (launched.warning) io.err(`process-monitor: ${launched.warning}\n`);
          if (!opts.wait) {
            // The child lives on in its own process group, writing to its file.
            launched.child.unref();
            return;
          }
          const { streamOutput } = await import("./stream-output");
          const exit = streaming
            ? (await Promise.all([launched.exited, streamOutput(record.outputFile!, launched.exited, io.out)]))[0]
            : await launched.exited;
          const signalNumber = exit.exitSignal ? (os.constants.signals as Record<string, number>)[exit.exitSignal] : undefined;
          if (exit.exitSignal) io.err(`${record.name} (pid ${record.pid}) was killed by ${exit.exitSignal}.\n`);
          outcome.exitCode = exit.exitCode ?? (signalNumber ? 128 + signalNumber : 1);
        });
      },
    );

  program
    .command("stop")
    .description("stop a process and its descendants: SIGTERM, then SIGKILL after a grace period")
    .argument("<hash>")
    .option("--force", "SIGKILL at once")
    .option("--grace <seconds>", "seconds between SIGTERM and SIGKILL", String(STOP_GRACE_SECONDS))
    .option("--json", "print the outcome as JSON")
    .addOption(dbOption())
    .action(async (hash: string, opts: { force?: boolean; grace: string }, cmd: Command) => {
      const { json } = globals(cmd);
      const grace = Number(opts.grace);
      if (!Number.isFinite(grace) || grace < 0 || grace > MAX_GRACE_SECONDS)
        throw new CliError(`--grace takes seconds between 0 and ${MAX_GRACE_SECONDS}.`, 2);
      await withProcesses(globals(cmd), async (processes, dbPath) => {
        const full = await resolveOrFail(processes, dbPath, hash);
        const result = await processes.stop(full, { force: opts.force, graceMs: grace * 1000 });
        io.out(
          json
            ? JSON.stringify({ outcome: result.outcome, signal: result.signal, descendants: result.descendants, message: result.message }) +
                "\n"
            : `${result.message}\n`,
        );
      });
    });

  program
    .command("list")
    .description("list records, newest first (checks which still run)")
    .addOption(dbOption())
    .addOption(new Option("--running", "only running records").conflicts(["stopped", "failed"]))
    .addOption(new Option("--stopped", "only stopped records").conflicts("failed"))
    .addOption(new Option("--failed", "only records that failed: exited non-zero, or killed by a signal not sent by a stop"))
    .option("--search <text>", "only records whose name, executable or arguments hold TEXT, or whose hash starts with it or pid is it")
    .option("--json", "print a JSON array")
    .action(async (opts: { running?: boolean; stopped?: boolean; failed?: boolean; search?: string }, cmd: Command) => {
      const { json } = globals(cmd);
      await withProcesses(globals(cmd), async (processes) => {
        const status = opts.running ? "running" : opts.stopped ? "stopped" : opts.failed ? "failed" : "all";
        const { items: records, counts } = await processes.records({ ...ALL, status, q: opts.search ?? "" }, { env: json === true });
        if (json) printJsonArray(io, records, toProcessJson);
        else if (records.length) io.out(formatTable(records) + "\n");
        else if (counts.all === 0) io.out("No process records.\n");
        // Records there are, none of them what was asked: say so, not that the registry is empty.
        else io.out(`No ${opts.search ? "matching " : ""}${status === "all" ? "" : `${status} `}records (${counts.all} in all).\n`);
      });
    });

  program
    .command("show")
    .description("show one record (a unique hash prefix of 6+ characters is enough)")
    .argument("<hash>")
    .addOption(dbOption())
    .option("--json", "print the record as JSON")
    .action(async (hash: string, _opts: unknown, cmd: Command) => {
      const { json } = globals(cmd);
      await withProcesses(globals(cmd), async (processes, dbPath) => {
        const record = await findRecord(processes, dbPath, hash);
        io.out((json ? JSON.stringify(toProcessJson(record), null, 2) : formatDetails(record)) + "\n");
      });
    });

  program
    .command("delete")
    .description("delete records and their output files")
    .argument("<hash...>")
    .addOption(dbOption())
    .action(async (hashes: string[], _opts: unknown, cmd: Command) => {
      await withProcesses(globals(cmd), async (processes) => {
        const full: string[] = [];
        const missing: string[] = [];
        for (const hash of hashes) {
          const resolved = await processes.resolve(hash);
          if (resolved) full.push(resolved);
          else missing.push(hash);
        }
        const { filesLeftAlone } = await processes.remove(full);
        io.out(`Deleted ${full.length} record${full.length === 1 ? "" : "s"}.${describeLeftAlone(filesLeftAlone)}\n`);
        if (missing.length) throw new CliError(`No record for: ${missing.join(", ")}`);
      });
    });

  program
    .command("prune")
    .description("delete stopped records and their output files: every one, or as a retention policy says (oldest first); prints how many")
    .addOption(dbOption())
    .option("--older-than <age>", "only stopped records older than this (7d, 12h, 30m, 2w)")
    .option("--keep <n>", "keep at most this many stopped records (the newest)")
    .option("--max-output <size>", "delete the oldest stopped records until the output folder is under this size (5G, 500M)")
    .option("--policy", "apply the configured policy (PROCESS_MONITOR_KEEP_DAYS, _KEEP_RECORDS, _KEEP_OUTPUT_MB); flags override it")
    .option("--dry-run", "only say what would be deleted")
    .option("--json", 'print {"deleted": N, ...} (with --dry-run or limits: the records too)')
    .action(async (opts: { olderThan?: string; keep?: string; maxOutput?: string; policy?: boolean; dryRun?: boolean }, cmd: Command) => {
      const { json } = globals(cmd);
      const limited = opts.olderThan !== undefined || opts.keep !== undefined || opts.maxOutput !== undefined || opts.policy;
      if (limited || opts.dryRun) {
        const { retentionFromFlags, reportRetention } = await import("./prune");
        const policy = retentionFromFlags(opts);
        await withProcesses(globals(cmd), async (processes) => {
          io.out(reportRetention(await processes.applyRetention(policy, { dryRun: opts.dryRun }), { json: json === true }));
        });
        return;
      }
      await withProcesses(globals(cmd), async (processes) => {
        const { deleted, filesLeftAlone } = await processes.prune();
        io.out(
          json
            ? JSON.stringify({ deleted, filesLeftAlone }) + "\n"
            : `Deleted ${deleted} inactive record${deleted === 1 ? "" : "s"}.${describeLeftAlone(filesLeftAlone)}\n`,
        );
      });
    });

  program
    .command("agent")
    .description("report this workstation to a fleet hub (PROCESS_MONITOR_HUB_URL, PROCESS_MONITOR_HUB_KEY) until stopped")
    .addOption(dbOption())
    .option("--hub <url>", "the hub's address (overrides PROCESS_MONITOR_HUB_URL)")
    .option("--once", "send one report and exit (non-zero when the hub did not accept it)")
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as { db?: string; hub?: string; once?: boolean };
      const { runAgent } = await import("./agent");
      await runAgent(opts, io.out);
    });

  program
    .command("paths")
    .description("where this registry, our data folder and the AYON launcher's registry are on this system")
    .addOption(dbOption())
    .option("--json", "print them as JSON")
    .action(async (_opts: unknown, cmd: Command) => {
      const { db, json } = globals(cmd);
      const { ayonRegistryPath, dataDir, outputDirFor, resolveDbPath } = await import("../config/paths");
      const registry = resolveDbPath(db);
      const ayon = ayonRegistryPath();
      const paths = {
        registry,
        output: outputDirFor(registry),
        data: dataDir(),
        ayonRegistry: ayon,
        ayonRegistryExists: fs.existsSync(ayon),
      };
      if (json) io.out(`${JSON.stringify(paths, null, 2)}\n`);
      else {
        io.out(`registry       ${registry}\noutput         ${paths.output}\ndata folder    ${paths.data}\n`);
        io.out(`AYON registry  ${ayon}${paths.ayonRegistryExists ? "" : " (not there)"}\n`);
      }
    });

  program
    .command("record-exits", { hidden: true })
    .description("record the ends that keepers left beside the registry (run by each launch's keeper)")
    .addOption(dbOption())
    .action(async (_opts: unknown, cmd: Command) => {
      // A keeper outliving its registry (deleted with its folder) leaves it gone: no new empty one.
      const { db } = globals(cmd);
      if (db && !fs.existsSync(db)) return;
      await withProcesses(globals(cmd), (processes) => processes.recordExits());
    });

  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function runCli(argv: string[], io: Io = defaultIo): Promise<number> {
  if (io === defaultIo) endQuietlyOnClosedPipe();
  const outcome: Outcome = { exitCode: 0 };
  const program = buildProgram(io, outcome);
  try {
    await program.parseAsync(argv, { from: "user" });
    return outcome.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof CliError) {
      io.err(`process-monitor: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof RegistryError || error instanceof LaunchError) {
      io.err(`process-monitor: ${error.message}\n`);
      return 1;
    }
    io.err(`process-monitor: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

let pipesHandled = false;
/**
 * `JSON.stringify(items.map(toJson), null, 2)`, written an element at a time: 1,000 AYON records
 * are 4 MB of JSON, and one string of it (with every record's object alive until the end) spent
 * a sixth of `list --json` collecting garbage.
 */
function printJsonArray<T>(io: Io, items: readonly T[], toJson: (item: T) => unknown): void {
  if (items.length === 0) return io.out("[]\n");
  // A JSON text holds no raw line break (they are escaped): each of its lines is indented as a nested element's.
  items.forEach((item, i) => io.out(`${i === 0 ? "[\n  " : ",\n  "}${JSON.stringify(toJson(item), null, 2).replace(/\n/g, "\n  ")}`));
  io.out("\n]\n");
}

/**
 * Output into a closed pipe (`process-monitor list --json | head -1`) ends the command
 * quietly, as other Unix tools do, instead of with a stack trace.
 */
function endQuietlyOnClosedPipe(): void {
  if (pipesHandled) return;
  pipesHandled = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      process.exit(process.exitCode ?? 0);
    });
  }
}

const invokedDirectly = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
