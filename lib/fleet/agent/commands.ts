import { LaunchError } from "../../launcher/errors";
import { OutputMissingError, readRange } from "../../output/range";
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
        const found = await processes.outputOf(command.hash);
        if (!found) return { ok: false, message: "No such record on this workstation.", data: {} };
        if (!found.file) return { ok: false, message: "This record names no output file.", data: {} };
        const range = await readRange(found.file, { offset: command.args.offset, length: command.args.length });
        return {
          ok: true,
          message: `${range.end - range.start} bytes`,
          data: { start: range.start, end: range.end, size: range.size, base64: Buffer.from(range.bytes).toString("base64") },
        };
      }
    }
  } catch (error) {
    if (error instanceof OutputMissingError) return { ok: false, message: error.message, data: {} };
    if (error instanceof LaunchError) return { ok: false, message: error.message, data: { code: error.code } };
    return { ok: false, message: `Failed on the workstation: ${(error as Error).message}`, data: {} };
  }
}
