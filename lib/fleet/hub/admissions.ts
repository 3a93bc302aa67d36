import { serverEnv } from "../../config/server-env";
import { shared } from "../../config/shared";
import { FleetError } from "./errors";

/**
 * Agents' sockets opened per second by default. After a hub instance restarts, every agent that
 * was connected comes back within seconds, and each first sends its whole list (100 records,
 * about 300 KB): taken all at once, a thousand would stall the pages and each other. The rest
 * are told to come back shortly, and back off with jitter (or try another of the hub's addresses).
 */
export const DEFAULT_ADMISSIONS_PER_SECOND = 100;

/** A token bucket: up to a second's worth at once, refilled continuously. */
class Admissions {
  private tokens: number;
  private at = Date.now();

  constructor(private readonly perSecond: number) {
    this.tokens = perSecond;
  }

  /** 0 when admitted now; else the seconds to wait. */
  take(): number {
    const now = Date.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }
}

/** Lets one more agent's socket in, or throws BUSY with the seconds to wait. */
export function admitSocket(): void {
  const perSecond = serverEnv().admissionsPerSecond ?? DEFAULT_ADMISSIONS_PER_SECOND;
  const admissions = shared("socket-admissions", () => new Admissions(perSecond));
  const wait = admissions.take();
  if (wait > 0) {
    // Spread the comeback: each is told a slightly different wait.
    const jittered = wait + Math.floor(Math.random() * 3);
    throw Object.assign(
      new FleetError("BUSY", `This hub is taking back many agents at once; try again in ${jittered} s.`, { retryAfterSeconds: jittered }),
      { retryAfterSeconds: jittered },
    );
  }
}
