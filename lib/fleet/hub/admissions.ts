import { serverEnv } from "../../config/server-env";
import { shared } from "../../config/shared";
import { FleetError } from "./errors";
import { DEFAULT_ENROLMENTS_PER_MINUTE, RateBucket } from "./rates";

/**
 * Agents' sockets opened per second by default. After a hub instance restarts, every agent that
 * was connected comes back within seconds, and each first sends its whole list (100 records,
 * about 300 KB): taken all at once, a thousand would stall the pages and each other. The rest
 * are told to come back shortly, and back off with jitter (or try another of the hub's addresses).
 */
export const DEFAULT_ADMISSIONS_PER_SECOND = 100;

/** Lets one more agent's socket in, or throws BUSY with the seconds to wait. */
export function admitSocket(): void {
  const perSecond = serverEnv().admissionsPerSecond ?? DEFAULT_ADMISSIONS_PER_SECOND;
  const admissions = shared("socket-admissions", () => new RateBucket({ perSecond, burst: perSecond }));
  if (!admissions.take()) {
    // Spread the comeback: each is told a slightly different wait.
    const jittered = admissions.waitSeconds() + Math.floor(Math.random() * 3);
    throw tryAgainIn("BUSY", jittered, `This hub is taking back many agents at once; try again in ${jittered} s.`);
  }
}

/** Lets one more new host be enrolled (a row of its own), or throws TOO_MANY with the seconds to wait. */
export function admitNewHost(): void {
  const perMinute = serverEnv().enrolmentsPerMinute ?? DEFAULT_ENROLMENTS_PER_MINUTE;
  const enrolments = shared("new-host-admissions", () => new RateBucket({ perSecond: perMinute / 60, burst: perMinute }));
  if (!enrolments.take()) {
    const wait = enrolments.waitSeconds();
    throw tryAgainIn("TOO_MANY", wait, `This hub has enrolled ${perMinute} new hosts in the last minute; try again in ${wait} s.`);
  }
}

/** A refusal to try again later: the wait in its body (`retryAfterSeconds`) and as its Retry-After header. */
function tryAgainIn(code: "BUSY" | "TOO_MANY", seconds: number, message: string): FleetError {
  return Object.assign(new FleetError(code, message, { retryAfterSeconds: seconds }), { retryAfterSeconds: seconds });
}
