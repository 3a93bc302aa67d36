#!/usr/bin/env node
// The script-facing CLI (SPEC "Interfaces that scripts rely on"). Errors go to stderr
// with a non-zero exit code: 1 for a failed operation, 2 for a usage mistake.
import { Command, CommanderError, Option } from "commander";
import { resolveDbPath } from "../config/paths";
import { Registry, RegistryError } from "../registry";
import { toProcessJson } from "../registry/json";
import type { ListedProcess } from "../registry/types";
import { formatDetails, formatTable } from "./format";

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const dbOption = () => new Option("--db <path>", "registry file (overrides PROCESS_MONITOR_DB)");

async function withRegistry<T>(opts: { db?: string }, fn: (registry: Registry) => Promise<T>): Promise<T> {
  const registry = await Registry.open(resolveDbPath(opts.db));
  try {
    return await fn(registry);
  } finally {
    await registry.close();
  }
}

async function findRecord(registry: Registry, hash: string): Promise<ListedProcess> {
  const full = await registry.resolveHash(hash);
  const record = full ? await registry.invalidate(full) : null;
  if (!record) throw new CliError(`No process record with hash "${hash}" in ${registry.dbPath}.`);
  return record;
}

export function buildProgram(io: Io): Command {
  const program = new Command("process-monitor")
    .description("Launch, inspect and stop processes recorded in the Process Monitor registry.")
    .addOption(dbOption())
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();

  const globals = (cmd: Command) => cmd.optsWithGlobals() as { db?: string; json?: boolean };

  program
    .command("list")
    .description("list records, newest first (checks which still run)")
    .addOption(dbOption())
    .addOption(new Option("--running", "only running records").conflicts("stopped"))
    .addOption(new Option("--stopped", "only stopped records"))
    .option("--json", "print a JSON array")
    .action(async (opts: { running?: boolean; stopped?: boolean }, cmd: Command) => {
      const { json } = globals(cmd);
      await withRegistry(globals(cmd), async (registry) => {
        let records = await registry.list();
        if (opts.running) records = records.filter((r) => r.status !== "stopped");
        if (opts.stopped) records = records.filter((r) => r.status === "stopped");
        if (json) io.out(JSON.stringify(records.map(toProcessJson), null, 2) + "\n");
        else io.out(records.length ? formatTable(records) + "\n" : "No process records.\n");
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
      await withRegistry(globals(cmd), async (registry) => {
        const record = await findRecord(registry, hash);
        io.out((json ? JSON.stringify(toProcessJson(record), null, 2) : formatDetails(record)) + "\n");
      });
    });

  program
    .command("delete")
    .description("delete records and their output files")
    .argument("<hash...>")
    .addOption(dbOption())
    .action(async (hashes: string[], _opts: unknown, cmd: Command) => {
      await withRegistry(globals(cmd), async (registry) => {
        const full: string[] = [];
        const missing: string[] = [];
        for (const hash of hashes) {
          const resolved = await registry.resolveHash(hash);
          if (resolved) full.push(resolved);
          else missing.push(hash);
        }
        if (full.length) await registry.delete(full);
        io.out(`Deleted ${full.length} record${full.length === 1 ? "" : "s"}.\n`);
        if (missing.length) throw new CliError(`No record for: ${missing.join(", ")}`);
      });
    });

  program
    .command("prune")
    .description("delete every stopped record and its output file; prints how many")
    .addOption(dbOption())
    .option("--json", 'print {"deleted": N}')
    .action(async (_opts: unknown, cmd: Command) => {
      const { json } = globals(cmd);
      await withRegistry(globals(cmd), async (registry) => {
        const deleted = await registry.deleteInactive();
        io.out(json ? JSON.stringify({ deleted }) + "\n" : `Deleted ${deleted} inactive record${deleted === 1 ? "" : "s"}.\n`);
      });
    });

  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function runCli(argv: string[], io: Io = defaultIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof CliError) {
      io.err(`process-monitor: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof RegistryError) {
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

const invokedDirectly = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
