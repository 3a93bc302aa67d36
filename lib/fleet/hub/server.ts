import "server-only";
import { HUB_ENV, serverEnv } from "../../config/server-env";
import { shared } from "../../config/shared";
import { fleetStore } from "../store";
import { fleetLocation } from "../../db/fleet-client";
import { FleetDoor } from "./fleet";
import { FleetProcesses } from "./records";
import { FleetSnapshotReader } from "./snapshot";

/** Whether this server is a hub (`PROCESS_MONITOR_HUB=1`). */
export function isHub(): boolean {
  return serverEnv().hub;
}

export const NOT_A_HUB = `This server is not a fleet hub. Start the hub with ${HUB_ENV}=1 npm start.`;

function wiring() {
  return shared("fleet", () => {
    // Where the store is, worked out once: it is asked for several times a report.
    const location = fleetLocation();
    const store = () => fleetStore(location);
    const reader = new FleetSnapshotReader(store);
    const environments = (records: Array<{ hostKey: string; hash: string }>) => reader.environments(records);
    const reading = {
      pages: new FleetProcesses(() => reader.read(), environments),
      api: new FleetProcesses(() => reader.read({ wait: true }), environments),
    };
    return {
      reader,
      door: new FleetDoor(store, reading, (change) => reader.handOver(change)),
    };
  });
}

/** The hub's door to its fleet: one per server, over one reading of the store. */
export function fleet(): FleetDoor {
  return wiring().door;
}

/** At a hub's start: its reading of the store is kept current from then on (see keepFresh). */
export function startFleetReading(): void {
  wiring().reader.keepFresh();
}
