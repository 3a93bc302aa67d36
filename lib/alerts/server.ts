import { processes } from "../processes/server";
import { alertSender } from "./sender";
import { watchCrashes } from "./watch";

/** At server start: a workstation with PROCESS_MONITOR_ALERT_WEBHOOK watches its own registry (a hub alerts from reports). */
export function startServerAlerts(): void {
  const sender = alertSender();
  if (sender && process.env.PROCESS_MONITOR_HUB !== "1") watchCrashes(processes(), sender);
}
