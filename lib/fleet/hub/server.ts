import "server-only";
import { FleetProcesses } from "./records";
import { fleetStore } from "../store";
import { FleetSnapshotReader } from "./snapshot";
import { HUB_ENV, serverEnv } from "../../config/server-env";
import { shared } from "../../config/shared";

/** Whether this server is a hub (`PROCESS_MONITOR_HUB=1`). */
export function isHub(): boolean {
  return serverEnv().hub;
}

export const NOT_A_HUB = `This server is not a fleet hub. Start the hub with ${HUB_ENV}=1 npm start.`;

function reading() {
  return shared("fleet-reading", () => {
    const reader = new FleetSnapshotReader(() => fleetStore());
    const environments = (records: Array<{ hostKey: string; hash: string }>) => reader.environments(records);
    return {
      pages: new FleetProcesses(() => reader.read(), environments),
      api: new FleetProcesses(() => reader.read({ wait: true }), environments),
      reader,
    };
  });
}

/**
 * The hub's door to the fleet's processes, one snapshot reader per server. Pages may be
 * served a reading up to 2 s old while a newer one is made; the API (`{ fresh: true }`)
 * always waits for a current one.
 */
export function fleetProcesses({ fresh = false }: { fresh?: boolean } = {}): FleetProcesses {
  return fresh ? reading().api : reading().pages;
}

/** At a hub's start: its reading of the store is kept current from then on (see keepFresh). */
export function startFleetReading(): void {
  reading().reader.keepFresh();
}
