import "server-only";
import { FleetProcesses } from "../../processes/remote";
import { fleetStore } from "../store";
import { FleetSnapshotReader } from "./snapshot";

export const HUB_ENV = "PROCESS_MONITOR_HUB";

/** Whether this server is a hub (`PROCESS_MONITOR_HUB=1`). */
export function isHub(): boolean {
  return process.env[HUB_ENV] === "1";
}

export const NOT_A_HUB = `This server is not a fleet hub. Start the hub with ${HUB_ENV}=1 npm start.`;

const globalCache = globalThis as unknown as { __pmFleet?: { pages: FleetProcesses; api: FleetProcesses; reader: FleetSnapshotReader } };

/**
 * The hub's door to the fleet's processes, one snapshot reader per server. Pages may be
 * served a reading up to 2 s old while a newer one is made; the API (`{ fresh: true }`)
 * always waits for a current one.
 */
export function fleetProcesses({ fresh = false }: { fresh?: boolean } = {}): FleetProcesses {
  if (!globalCache.__pmFleet) {
    const reader = new FleetSnapshotReader(() => fleetStore());
    const environments = (records: Array<{ hostKey: string; hash: string }>) => reader.environments(records);
    globalCache.__pmFleet = {
      pages: new FleetProcesses(() => reader.read(), environments),
      api: new FleetProcesses(() => reader.read({ wait: true }), environments),
      reader,
    };
  }
  return fresh ? globalCache.__pmFleet.api : globalCache.__pmFleet.pages;
}

/** At a hub's start: its reading of the store is kept current from then on (see keepFresh). */
export function startFleetReading(): void {
  fleetProcesses();
  globalCache.__pmFleet!.reader.keepFresh();
}
