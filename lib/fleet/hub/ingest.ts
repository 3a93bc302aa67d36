import type { Report, ReportAnswer } from "../protocol";
import type { FleetStore } from "../store";
import { FleetError } from "./errors";
import { checkSecret } from "./host-auth";
import { shared } from "../../config/shared";
import { hostKeyOf } from "./secrets";
import { admitInstance, type InstanceWrite } from "./instances";
import { readHosts, writeReports, type AcceptedReport, type HostChange, type IngestHost } from "./ingest-write";

type Ingested = ReportAnswer & { newEvents: Report["events"]; change: HostChange | null };

/**
 * A window of reports is written at most this often. Under load one transaction then carries
 * every report of the window (at 1,000 hosts every 5 s, about five) and a report costs its share
 * of a few statements; a report that comes alone after a quiet spell is written at once. The
 * agent's answer waits for the write, so it still means stored.
 */
const WINDOW_MS = 25;
/** A report whose host row another instance moved while it was checked is checked again, this many times. */
const RECHECKS = 3;

/**
 * Takes one report. A delta must build on the last accepted report (`base`), or the agent is
 * told to send its whole list; exits are stored once per record whatever is sent again;
 * nothing of a refused report is written. Reports go through the store's commit queue and
 * are written by windows (ingest-write.ts).
 */
export async function ingest(store: FleetStore, secret: string, report: Report, address: string | null): Promise<Ingested> {
  // A record sent twice in one report counts once, as its last copy (PostgreSQL refuses to
  // update one row twice in one statement).
  const upserts = [...new Map(report.upserts.map((p) => [p.hash, p])).values()];
  const unique = upserts.length === report.upserts.length ? report : { ...report, upserts };
  return commitQueue(store).submit({ secret, report: unique, address });
}

interface Submitted {
  secret: string;
  report: Report;
  address: string | null;
}
interface Waiting extends Submitted {
  resolve: (answer: Ingested) => void;
  reject: (error: unknown) => void;
  rechecks: number;
}

function commitQueue(store: FleetStore): CommitQueue {
  const queues = shared("ingest-queues", () => new WeakMap<FleetStore, CommitQueue>());
  let queue = queues.get(store);
  if (!queue) queues.set(store, (queue = new CommitQueue(store)));
  return queue;
}

class CommitQueue {
  private waiting: Waiting[] = [];
  private writing = false;
  private lastWrite = 0;

  constructor(private readonly store: FleetStore) {}

  submit(report: Submitted): Promise<Ingested> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ ...report, resolve, reject, rechecks: 0 });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.writing) return;
    this.writing = true;
    const wait = this.lastWrite + WINDOW_MS - Date.now();
    if (wait > 0) setTimeout(() => void this.drain(), wait);
    else setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    this.lastWrite = Date.now();
    // One report per host in a window: a second builds on the first's answer, and goes in the next.
    const batch: Waiting[] = [];
    const later: Waiting[] = [];
    const hosts = new Set<string>();
    for (const item of this.waiting) {
      const key = hostKeyOf(item.secret);
      (key !== null && hosts.has(key) ? later : batch).push(item);
      if (key !== null) hosts.add(key);
    }
    this.waiting = later;
    try {
      await this.write(batch);
    } finally {
      this.writing = false;
      if (this.waiting.length > 0) this.schedule();
    }
  }

  /** Checks each report against its host row (read at once for all), then writes the ones accepted together. */
  private async write(batch: Waiting[]): Promise<void> {
    let rows: IngestHost[];
    try {
      const keys = [...new Set(batch.map((w) => hostKeyOf(w.secret)).filter((k): k is string => k !== null))];
      rows = await readHosts(this.store, keys);
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    const byKey = new Map(rows.map((row) => [row.key, row]));
    const accepted: Array<{ w: Waiting; write: AcceptedReport }> = [];
    for (const w of batch) {
      try {
        const host = checkSecret(byKey.get(hostKeyOf(w.secret) ?? "") ?? null, w.secret);
        const instances = await admit(this.store, host, w.report);
        accepted.push({ w, write: { host, report: w.report, address: w.address, ...instances } });
      } catch (error) {
        // Refused: nothing of it is written.
        w.reject(error);
      }
    }
    if (accepted.length === 0) return;
    try {
      const written = await writeReports(
        this.store,
        accepted.map((a) => a.write),
      );
      for (const { w, write } of accepted) {
        const { host } = write;
        if (!written.hosts.has(host.key)) {
          // Its row moved between the reading and the write (another instance): checked again.
          if ((w.rechecks += 1) > RECHECKS) {
            w.reject(
              new FleetError("NEED_FULL", "This host's record kept changing while this report was stored; send the whole list.", {
                seq: host.seq,
              }),
            );
          } else this.waiting.push(w);
          continue;
        }
        w.resolve({
          accepted: w.report.seq,
          name: host.name,
          newEvents: w.report.events.filter((e) => written.stored.has(`${host.key}/${e.hash}`)),
          change: written.changes.get(host.key) ?? null,
        });
      }
    } catch (error) {
      for (const { w } of accepted) w.reject(error);
    }
  }
}

/**
 * What a report must be, beyond its secret, before anything of it is written: from the machine
 * that enrolled, from the agent process that holds the host (instances.ts), building on the
 * last accepted report. Says which instances the report writes.
 */
async function admit(store: FleetStore, host: IngestHost, report: Report): Promise<InstanceWrite> {
  if (host.machineId !== report.machineId) {
    throw new FleetError("CLONE", `Another machine already reports as ${host.name} (a cloned disk image?); enrol again.`);
  }
  const instances = await admitInstance(store, host, report);
  if (!report.full && report.base !== host.seq) {
    throw new FleetError("NEED_FULL", "This report builds on one the hub does not have; send the whole list.", { seq: host.seq });
  }
  return instances;
}
