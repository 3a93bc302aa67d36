import type { RetentionSummary } from "@/lib/processes/pages";
import { formatBytes } from "@/lib/format";
import { LocalTime } from "./local-time";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The output folder's size, what retention removes next, and how the last automatic pass went. */
export function RetentionNote({ summary }: { summary: RetentionSummary }) {
  if (summary.error) {
    return (
      <p role="alert" className="text-xs text-rose-700 dark:text-rose-300" data-testid="retention-note">
        Retention is not applied: {summary.error}
      </p>
    );
  }
  const { last } = summary;
  return (
    <p className="text-xs text-zinc-600 dark:text-zinc-400" data-testid="retention-note">
      Output folder <span className="font-medium text-zinc-800 dark:text-zinc-200">{formatBytes(summary.outputTotalBytes)}</span>
      {" · "}retention: {summary.policy}
      {" · "}
      {summary.next.count > 0 ? (
        <span data-testid="retention-next">
          next cleanup removes {plural(summary.next.count, "stopped record")} ({formatBytes(summary.next.bytes)})
        </span>
      ) : (
        <span data-testid="retention-next">nothing to remove</span>
      )}
      {summary.stillOverBytes > 0 && (
        <span className="text-amber-700 dark:text-amber-300">
          {" · "}
          {formatBytes(summary.stillOverBytes)} over the limit is held by running records or files no record names
        </span>
      )}
      {" · "}
      {!summary.automatic ? (
        "automatic cleanup is off (PROCESS_MONITOR_RETENTION=off)"
      ) : last === null ? (
        "first automatic cleanup pending"
      ) : last.error ? (
        <span className="text-rose-700 dark:text-rose-300">
          last cleanup failed <LocalTime seconds={last.at / 1000} />: {last.error}
        </span>
      ) : (
        <span data-testid="retention-last">
          last cleanup <LocalTime seconds={last.at / 1000} />: removed {plural(last.deleted, "record")} ({formatBytes(last.bytes)})
        </span>
      )}
    </p>
  );
}
