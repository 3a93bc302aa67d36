import { LaunchError } from "../../launcher/errors";
import { lineNumberAt } from "../../output/lines";
import { OutputMissingError, readRange } from "../../output/range";
import { SearchesBusyError, withSearchSlot } from "../../output/scan-slots";
import { countMatches, findMatch } from "../../output/search";
import type { LocalProcesses } from "../../processes/local";
import type { AgentCommand, CommandResult } from "../protocol";

/**
 * Carries out one command from the hub on this workstation, with the same checks as a local
 * request: the record must exist here, and a stop signals only the process the record names
 * (same pid and start time). Never throws: a failure is an answer too.
 */
export async function executeCommand(processes: LocalProcesses, command: AgentCommand): Promise<CommandResult> {
  try {
    switch (command.kind) {
      case "stop": {
        const outcome = await processes.stop(command.hash, { force: command.args.force === true, graceMs: 5_000 });
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
        if (deleted === 0) return { ok: false, message: "No such record on this workstation (already deleted?).", data: {} };
        return { ok: true, message: "Deleted the record and its output file.", data: { deleted, filesLeftAlone } };
      }
      case "range": {
        const file = await outputFileOf(processes, command.hash);
        if (typeof file !== "string") return file;
        const range = await readRange(file, {
          offset: command.args.offset,
          length: command.args.length,
          alignLines: command.args.align === "lines",
        });
        return {
          ok: true,
          message: `${range.end - range.start} bytes`,
          data: {
            start: range.start,
            end: range.end,
            size: range.size,
            inode: range.inode,
            base64: Buffer.from(range.bytes).toString("base64"),
          },
        };
      }
      case "search": {
        const file = await outputFileOf(processes, command.hash);
        if (typeof file !== "string") return file;
        const q = command.args.q ?? "";
        // The same cap on whole-file searches as the workstation's own dashboard.
        return await withSearchSlot(async () => {
          if (command.args.count) return { ok: true, message: "counted", data: { ...(await countMatches(file, q)) } };
          const hit = await findMatch(file, q, command.args.from ?? 0, command.args.dir ?? "next");
          return { ok: true, message: "searched", data: hit === "timeout" ? { match: null, timedOut: true } : { match: hit } };
        });
      }
      case "line": {
        const file = await outputFileOf(processes, command.hash);
        if (typeof file !== "string") return file;
        const offset = command.args.offset ?? 0;
        return { ok: true, message: "line", data: { offset, line: await lineNumberAt(file, offset) } };
      }
    }
  } catch (error) {
    if (error instanceof OutputMissingError) return { ok: false, message: error.message, data: { code: error.code } };
    if (error instanceof SearchesBusyError) return { ok: false, message: error.message, data: { code: "SEARCHES_BUSY" } };
    if (error instanceof LaunchError) return { ok: false, message: error.message, data: { code: error.code } };
    return { ok: false, message: `Failed on the workstation: ${(error as Error).message}`, data: {} };
  }
}

/** The output file a record names, or the answer saying why there is none. */
async function outputFileOf(processes: LocalProcesses, hash: string): Promise<string | CommandResult> {
  const found = await processes.outputOf(hash);
  if (!found) return { ok: false, message: "No such record on this workstation.", data: {} };
  if (!found.file) return { ok: false, message: "This record names no output file.", data: { code: "NO_OUTPUT" } };
  return found.file;
}
