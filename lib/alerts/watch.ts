import { isCrash } from "../processes/status";
import { publicUrl } from "../http/public-url";
import { alertLines } from "../output/tail";
import type { LocalProcesses } from "../processes/local";
import { ALL } from "../processes/query";
import { secondsToIso } from "../registry/json";
import { reportedHostname } from "../system/host";
import type { AlertSender } from "./sender";
import { isActive } from "../processes/status";

/**
 * A lone workstation's alerts: every few seconds, the records that ended since the last look
 * (running then, or new and ended since the watch began) with a non-zero code or a signal.
 */
export function watchCrashes(processes: LocalProcesses, sender: AlertSender, intervalMs = 5_000): () => void {
  const since = Date.now();
  let running: Map<string, boolean> | null = null;
  let busy = false;
  const check = async () => {
    if (busy) return;
    busy = true;
    try {
      await processes.settleEnds().catch(() => 0);
      const { items } = await processes.list(ALL, { env: false });
      const previous = running;
      running = new Map(items.map(({ view }) => [view.hash, isActive(view)]));
      for (const { view } of items) {
        if (isActive(view) || !isCrash(view)) continue;
        const was = previous?.get(view.hash);
        const ended = was === true || (was === undefined && view.endedAt !== null && view.endedAt * 1000 >= since);
        if (!ended) continue;
        sender.crash({
          kind: "crash",
          host: reportedHostname(),
          name: view.name,
          hash: view.hash,
          exitCode: view.exitCode,
          signal: view.exitSignal,
          endedAt: secondsToIso(view.endedAt),
          lastLines: await alertLines(view.outputFile),
          url: `${publicUrl()}/processes/${view.hash}`,
          endReason: view.endReason,
          peakMemoryBytes: view.peakMemoryBytes,
        });
      }
    } catch (error) {
      console.error(`Crash alerts: cannot read the registry: ${(error as Error).message}`);
    } finally {
      busy = false;
    }
  };
  void check();
  const timer = setInterval(() => void check(), intervalMs);
  timer.unref?.();
  return () => clearInterval(timer);
}
