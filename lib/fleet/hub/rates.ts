/**
 * What one agent's socket may send (SPEC "The agents' channel"): an honest agent sends a report
 * each interval (at least 1 s), a few more after commands, a result per command and a `changed`
 * at most every 25 ms per output followed through the hub. One enrolled host sending 200,000
 * frames held the hub's /api/health at 0.7 s for 12 s: beyond these rates its frames cost the
 * hub nothing more. Messages beyond MESSAGES close the socket (1008); reports beyond REPORTS are
 * answered 429, and the agent backs off.
 */
export const SOCKET_RATES = {
  messages: { perSecond: 200, burst: 1_000 },
  reports: { perSecond: 5, burst: 20 },
} as const;

/** A token bucket: `take` says whether one more may pass now (refilled continuously, up to `burst`). */
export class RateBucket {
  private tokens: number;
  private at: number | null = null;

  constructor(private readonly rate: { perSecond: number; burst: number }) {
    this.tokens = rate.burst;
  }

  take(now = performance.now()): boolean {
    const elapsed = this.at === null ? 0 : Math.max(0, now - this.at);
    this.tokens = Math.min(this.rate.burst, this.tokens + (elapsed / 1000) * this.rate.perSecond);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Seconds until one more may pass. */
  waitSeconds(): number {
    return Math.max(1, Math.ceil((1 - this.tokens) / this.rate.perSecond));
  }
}

/** New hosts a hub instance enrols a minute by default (PROCESS_MONITOR_HUB_ENROLMENTS): 300 in 3 s, each a row and a series in /metrics, were all taken before. */
export const DEFAULT_ENROLMENTS_PER_MINUTE = 60;
