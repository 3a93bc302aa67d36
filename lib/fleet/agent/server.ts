import { resolveDbPath } from "../../config/paths";
import { processes } from "../../processes/server";
import { agentFromEnv } from "./start";

/** `npm start` on a workstation with PROCESS_MONITOR_HUB_URL set: the dashboard also reports to the hub. */
export function startServerAgent(): void {
  try {
    const agent = agentFromEnv(processes(), resolveDbPath());
    agent?.start();
  } catch (error) {
    console.error(`Not reporting to the hub: ${(error as Error).message}`);
  }
}
