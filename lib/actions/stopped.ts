import type { ActionResult } from "./result";

/** What a stop of several records says: how many stopped, and why the others did not (each reason once). */
export function stoppedMessage(outcomes: Array<{ ok: boolean; message?: string }>): ActionResult {
  const stopped = outcomes.filter((o) => o.ok).length;
  const failed = outcomes.filter((o) => !o.ok);
  const said = stopped === 1 ? "Stopped 1 process." : `Stopped ${stopped} processes.`;
  if (failed.length === 0) return { ok: true, message: said };
  const reasons = [...new Set(failed.map((o) => o.message ?? "unknown"))];
  return { ok: stopped > 0, message: `${said} ${failed.length} could not be stopped: ${reasons.join("; ")}` };
}
