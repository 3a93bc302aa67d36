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

const globalCache = globalThis as unknown as { __pmFleet?: FleetProcesses };

/** The hub's door to the fleet's processes: one snapshot reader per server. */
export function fleetProcesses(): FleetProcesses {
  if (!globalCache.__pmFleet) {
    const reader = new FleetSnapshotReader(() => fleetStore());
    globalCache.__pmFleet = new FleetProcesses(
      () => reader.read(),
      (records) => reader.environments(records),
    );
  }
  return globalCache.__pmFleet;
}
