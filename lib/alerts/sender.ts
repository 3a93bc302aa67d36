import { shared } from "../config/shared";
import { serverEnv } from "../config/server-env";
/** What a webhook receives when a record ends with a non-zero code or a signal (SPEC "Alerts"). */
export interface CrashAlert {
  kind: "crash";
  host: string;
  name: string;
  hash: string;
  exitCode: number | null;
  signal: string | null;
  endedAt: string | null;
  lastLines: string[];
  url: string | null;
  /** Why it ended (SPEC "The end record"), when known. */
  endReason?: { kind: string; text: string; pattern?: string; line?: string } | null;
  peakMemoryBytes?: number | null;
}

/** Sent once a host's burst is over, for the crashes held back during it. */
export interface SummaryAlert {
  kind: "summary";
  host: string;
  heldBack: number;
  windowSeconds: number;
  message: string;
  url: string | null;
}

export type Alert = CrashAlert | SummaryAlert;

export interface AlertStatus {
  webhook: string;
  delivered: number;
  heldBack: number;
  waiting: number;
  failed: number;
  lastError: string | null;
  lastErrorAt: string | null;
}

export interface AlertOptions {
  webhook: string;
  /** Alerts per host within `windowSeconds` before the rest are held back (one summary follows). */
  perWindow?: number;
  windowSeconds?: number;
  /** Delivery attempts per alert, with doubling waits from `retryMs`. */
  attempts?: number;
  retryMs?: number;
  log?: (line: string) => void;
}

/**
 * Posts alerts to a webhook: one per record (a record is alerted once), at most `perWindow` a
 * host within the window, then one summary of what was held back; each delivery retried with
 * backoff, and failures kept for the hub's page and /api/health.
 */
export class AlertSender {
  private readonly sentAt = new Map<string, number[]>();
  private readonly heldBack = new Map<string, number>();
  private readonly alerted = new Set<string>();
  private readonly status: AlertStatus;
  private readonly perWindow: number;
  private readonly windowMs: number;

  constructor(private readonly options: AlertOptions) {
    this.perWindow = options.perWindow ?? 10;
    this.windowMs = (options.windowSeconds ?? 60) * 1000;
    this.status = {
      webhook: redact(options.webhook),
      delivered: 0,
      heldBack: 0,
      waiting: 0,
      failed: 0,
      lastError: null,
      lastErrorAt: null,
    };
  }

  current(): AlertStatus {
    return { ...this.status };
  }

  /** A crash: sent now, or held back (and summarised) when the host is in a burst. */
  crash(alert: CrashAlert): void {
    const key = `${alert.host}/${alert.hash}`;
    if (this.alerted.has(key)) return;
    this.alerted.add(key);
    if (this.alerted.size > 100_000) this.alerted.clear();
    const now = Date.now();
    const recent = (this.sentAt.get(alert.host) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.perWindow) {
      const held = (this.heldBack.get(alert.host) ?? 0) + 1;
      this.heldBack.set(alert.host, held);
      this.status.heldBack += 1;
      // The summary goes when the oldest alert of the burst leaves the window.
      if (held === 1) setTimeout(() => this.summarise(alert.host, alert.url), recent[0]! + this.windowMs - now).unref?.();
      this.sentAt.set(alert.host, recent);
      return;
    }
    recent.push(now);
    this.sentAt.set(alert.host, recent);
    void this.deliver(alert);
  }

  private summarise(host: string, url: string | null): void {
    const held = this.heldBack.get(host) ?? 0;
    this.heldBack.delete(host);
    if (held === 0) return;
    const windowSeconds = this.windowMs / 1000;
    void this.deliver({
      kind: "summary",
      host,
      heldBack: held,
      windowSeconds,
      message: `${held} more crash${held === 1 ? "" : "es"} on ${host} were held back (more than ${this.perWindow} in ${windowSeconds} s).`,
      url: url && url.includes("/processes/") ? url.slice(0, url.indexOf("/processes/")) : url,
    });
  }

  private async deliver(alert: Alert): Promise<void> {
    const attempts = this.options.attempts ?? 6;
    let wait = this.options.retryMs ?? 2_000;
    this.status.waiting += 1;
    try {
      for (let attempt = 1; attempt <= attempts; attempt += 1) {
        try {
          const response = await fetch(this.options.webhook, {
            method: "POST",
            headers: { "content-type": "application/json", "user-agent": "process-monitor-alerts" },
            body: JSON.stringify(alert),
            signal: AbortSignal.timeout(10_000),
          });
          await response.arrayBuffer().catch(() => undefined);
          if (response.ok) {
            this.status.delivered += 1;
            return;
          }
          this.fail(`the webhook answered ${response.status}`, attempt, attempts);
        } catch (error) {
          const cause = (error as { cause?: { code?: string } }).cause?.code;
          this.fail(`the webhook is unreachable (${cause ?? (error as Error).message})`, attempt, attempts);
        }
        if (attempt < attempts) await new Promise((r) => setTimeout(r, wait).unref?.());
        wait = Math.min(wait * 2, 5 * 60_000);
      }
      this.status.failed += 1;
    } finally {
      this.status.waiting -= 1;
    }
  }

  private fail(reason: string, attempt: number, attempts: number): void {
    this.status.lastError = `${reason}; attempt ${attempt} of ${attempts}`;
    this.status.lastErrorAt = new Date().toISOString();
    if (attempt === 1 || attempt === attempts) this.options.log?.(`alert delivery: ${this.status.lastError}`);
  }
}

/** A webhook URL fit to show: no credentials, no query (tokens often ride there). */
function redact(webhook: string): string {
  try {
    const url = new URL(webhook);
    return `${url.origin}${url.pathname}${url.search ? "?…" : ""}`;
  } catch {
    return "(not a URL)";
  }
}

/** This server's sender, configured by the environment; null without a webhook. */
export function alertSender(): AlertSender | null {
  return shared("alert-sender", (): AlertSender | null => {
    const { alertWebhook, alertsPerMinute, alertWindowSeconds } = serverEnv();
    return alertWebhook
      ? new AlertSender({
          webhook: alertWebhook,
          perWindow: alertsPerMinute,
          windowSeconds: alertWindowSeconds,
          log: (line) => console.error(line),
        })
      : null;
  });
}
