import { CodedError } from "../../errors";
import { watchFile } from "../../output/follow";
import { fileOutput } from "../../output/source";
import type { LocalProcesses } from "../../processes/local";
import { boundedTree } from "../bounded-tree";
import {
  COMMAND_KINDS,
  INSPECT_LINES,
  type AgentCommand,
  type CommandKind,
  type CommandResult,
  type InspectAnswer,
  REMOTE_LAUNCH_ENV,
} from "../protocol";

/** PROCESS_MONITOR_ALLOW_REMOTE_LAUNCH=1: the hub's operator may start programs here. Off unless set. */
export function allowsRemoteLaunch(env: Record<string, string | undefined> = process.env): boolean {
  return env[REMOTE_LAUNCH_ENV] === "1";
}

/** The commands this agent carries out, told in its host facts: `launch` only where this workstation allows it. */
export function agentCommands(env: Record<string, string | undefined> = process.env): CommandKind[] {
  return COMMAND_KINDS.filter((kind) => kind !== "launch" || allowsRemoteLaunch(env));
}

/**
 * Carries out one command from the hub on this workstation, with the same checks as a local
 * request: the record must exist here, and a stop signals only the process the record names
 * (same pid and start time). Never throws: a failure is an answer too.
 */
export async function executeCommand(processes: LocalProcesses, command: AgentCommand): Promise<CommandResult> {
  try {
    switch (command.kind) {
      case "stop": {
        const outcome = await processes.stop(command.hash, { force: command.args.force === true });
        return { ok: true, message: outcome.message, data: { outcome: outcome.outcome, signal: outcome.signal } };
      }
      case "relaunch": {
        const item = await processes.relaunch(command.hash);
        return {
          ok: true,
          message: `Relaunched as ${item.record.hash} (pid ${item.record.pid}).`,
          data: { hash: item.record.hash, pid: item.record.pid },
        };
      }
      case "delete": {
        const { deleted, filesLeftAlone } = await processes.remove(command.hash);
        if (deleted === 0) return notHere();
        return { ok: true, message: "Deleted the record and its output file.", data: { deleted, filesLeftAlone } };
      }
      case "range": {
        const range = await (await outputOf(processes, command.hash)).range(command.args);
        const { bytes, ...where } = range;
        return { ok: true, message: `${range.end - range.start} bytes`, data: { ...where, base64: Buffer.from(bytes).toString("base64") } };
      }
      case "search": {
        const { q = "", from = 0, dir = "next", count = false } = command.args;
        return { ok: true, message: "searched", data: await (await outputOf(processes, command.hash)).search({ q, from, dir, count }) };
      }
      case "inspect": {
        const detail = await processes.detail(command.hash);
        if (!detail) return notHere();
        const { descendants, cut } = boundedTree(detail.descendants);
        const answer: InspectAnswer = {
          descendants,
          descendantsCut: cut,
          history: detail.history,
          output: { ...detail.output, lastLines: detail.output.lastLines.slice(-INSPECT_LINES) },
        };
        return { ok: true, message: "inspected", data: answer };
      }
      case "usage": {
        const usage = await processes.usage(command.hash);
        if (!usage) return notHere();
        const { at, status, treeCpuPercent, treeRssBytes } = usage;
        return { ok: true, message: "usage", data: { at, status, treeCpuPercent, treeRssBytes } };
      }
      case "launch": {
        // Checked here too: the hub sends it only to an agent that lists it, but this workstation decides.
        if (!allowsRemoteLaunch()) {
          return {
            ok: false,
            message: `This workstation does not take launches from the hub (${REMOTE_LAUNCH_ENV}=1 is not set on it).`,
            data: { code: "LAUNCH_NOT_ALLOWED" },
          };
        }
        if (!command.args.launch) return { ok: false, message: "Nothing to launch was sent.", data: { code: "INVALID" } };
        const { record } = await processes.launch(command.args.launch);
        return { ok: true, message: `Launched ${record.name} (pid ${record.pid}).`, data: { hash: record.hash, pid: record.pid } };
      }
      case "line": {
        const offset = command.args.offset ?? 0;
        return { ok: true, message: "line", data: { offset, line: await (await outputOf(processes, command.hash)).line(offset) } };
      }
    }
  } catch (error) {
    // The code the workstation's own API would answer with: the hub answers as it would.
    if (error instanceof CodedError) {
      const wait = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
      // A launch's field (executable, cwd): the hub's form shows the message beside it.
      const field = (error as { field?: unknown }).field;
      return {
        ok: false,
        message: error.message,
        data: {
          code: error.code,
          ...(typeof wait === "number" ? { retryAfterSeconds: wait } : {}),
          ...(typeof field === "string" ? { field } : {}),
        },
      };
    }
    return { ok: false, message: `Failed on the workstation: ${(error as Error).message}`, data: {} };
  }
}

const notHere = (): CommandResult => ({
  ok: false,
  message: "No such record on this workstation (already deleted?).",
  data: { code: "NOT_FOUND" },
});

/** A watched output says at most this often that it changed (a chatty program writes thousands of times a second). */
const CHANGED_EVERY_MS = 25;

/**
 * Watches a record's output file for the hub (someone follows it there): `changed` is called
 * when it is written, at most every CHANGED_EVERY_MS. Returns the stop; a record or file that is
 * not there is not watched (the hub's follower still polls).
 */
export async function watchOutput(processes: LocalProcesses, hash: string, changed: () => void): Promise<() => void> {
  let file: string;
  try {
    file = (await processes.outputOf(hash)).file;
  } catch {
    return () => undefined;
  }
  let timer: NodeJS.Timeout | null = null;
  let again = false;
  const tell = () => {
    if (timer) {
      again = true;
      return;
    }
    changed();
    timer = setTimeout(() => {
      timer = null;
      if (again) {
        again = false;
        tell();
      }
    }, CHANGED_EVERY_MS);
  };
  const unwatch = watchFile(file)(tell);
  return () => {
    unwatch();
    if (timer) clearTimeout(timer);
  };
}

/** A record's output here, as the workstation's own output routes read it. */
async function outputOf(processes: LocalProcesses, hash: string) {
  return fileOutput((await processes.outputOf(hash)).file);
}
