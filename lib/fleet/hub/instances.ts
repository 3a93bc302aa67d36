import type { FleetStore } from "../store";
import { FleetError } from "./errors";

// Which agent process holds a host (SPEC "The fleet": a full disk clone). A clone carries the
// secret, the host id and the machine id; only the agents' process ids (`instance`, a random id
// per start) tell two machines apart, and only by what they do: an agent that restarted leaves
// the old id silent, a second machine reports beside the first. The process that reported
// before the other appeared keeps the host; the newcomer waits, and is taken on only once the
// first has been silent for longer than its reports' interval allows. If the first reports
// again meanwhile, both are alive: the newcomer is the clone, refused (409 `CLONE`: it enrols
// again, which waits for an operator), and the host is flagged. Nothing else flags it.

/** What the rule needs of a host's row. */
export interface HostInstances {
  key: string;
  name: string;
  instance: string | null;
  prevInstance: string | null;
  rivalInstance: string | null;
  rivalSince: number | null;
  sharedSecretAt: number | null;
  lastSeen: number | null;
  intervalS: number;
}

/** The instances the accepted report writes, and whether a waiting rival is forgotten (it took the host). */
export interface InstanceWrite {
  instance: string | null;
  prevInstance: string | null;
  tookOver: boolean;
}

/**
 * How long the holder must be silent before another process may take its host: two of its
 * reports missed and a margin, at most two minutes (an agent that reports hourly still restarts
 * in bounded time; one that stops says so and is replaced at once).
 */
export function silenceMs(intervalS: number): number {
  return Math.min(120_000, 2 * intervalS * 1000 + 2_000);
}

/**
 * A holder's report counts as overlap only this long after the rival appeared: a report the
 * holder sent just before it stopped can arrive after its successor's first.
 */
const OVERLAP_MS = 1_000;

/** Whether the rival on record is a proven second machine (the holder reported after it appeared). */
function provenClone(host: HostInstances): boolean {
  return host.rivalSince !== null && host.sharedSecretAt !== null && host.sharedSecretAt >= host.rivalSince;
}

/**
 * Decides a report's agent process against its host's holder; throws `CLONE` (a proven second
 * machine) or `TAKEOVER_WAIT` (a newcomer while the holder is alive), and records what it
 * learnt (the rival, the overlap) on the row. `leaving`: the holder says it stops.
 */
export async function admitInstance(
  { db }: FleetStore,
  host: HostInstances,
  reported: { instance?: string | undefined; leaving?: boolean | undefined },
  now = Date.now(),
): Promise<InstanceWrite> {
  const id = reported.instance ?? null;
  const holder = !id || id === host.instance;
  if (holder) {
    if (host.instance && host.rivalInstance && !provenClone(host) && now - (host.rivalSince ?? now) >= OVERLAP_MS) {
      // The holder reports while a newcomer waits: two machines.
      await db.fleetHost.updateMany({
        where: { key: host.key, instance: host.instance, rivalInstance: host.rivalInstance },
        data: { sharedSecretAt: now },
      });
    }
    return reported.leaving
      ? { instance: null, prevInstance: host.instance, tookOver: false }
      : { instance: host.instance, prevInstance: host.prevInstance, tookOver: false };
  }
  if (id === host.rivalInstance && provenClone(host)) {
    throw new FleetError(
      "CLONE",
      `Another machine reports with the secret of ${host.name} and was there first (a full disk clone, secret file included?); this one must enrol again, and an operator approve it.`,
    );
  }
  const alive = host.instance !== null && host.lastSeen !== null && now - host.lastSeen < silenceMs(host.intervalS);
  if (alive) {
    // One that stops after this report (`agent --once`) is not a rival: it will not be back.
    if (id !== host.rivalInstance && !reported.leaving) {
      await db.fleetHost.updateMany({ where: { key: host.key, instance: host.instance }, data: { rivalInstance: id, rivalSince: now } });
    }
    const wait = Math.ceil((silenceMs(host.intervalS) - (now - host.lastSeen!)) / 1000);
    throw new FleetError(
      "TAKEOVER_WAIT",
      `Another agent process reports as ${host.name} now; this one takes over if that one stays silent (${wait} s more: it restarted), and is refused as a second machine if it goes on.`,
      { retryAfterSeconds: wait },
    );
  }
  return { instance: reported.leaving ? null : id, prevInstance: host.instance, tookOver: true };
}

/**
 * Commands go only to the process that holds its host: a newcomer waiting to take over, or a
 * clone, polls in vain (`TAKEOVER_WAIT`) and is given nothing.
 */
export async function holdsHost({ db }: FleetStore, hostKey: string, instance: string): Promise<void> {
  const host = await db.fleetHost.findUnique({ where: { key: hostKey }, select: { name: true, instance: true } });
  if (host?.instance && host.instance !== instance) {
    throw new FleetError("TAKEOVER_WAIT", `Another agent process holds ${host.name}; its commands go to that one.`, {
      retryAfterSeconds: 5,
    });
  }
}
