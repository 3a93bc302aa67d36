// Runs once when the server starts (Next's instrumentation hook).
export async function register() {
  // Retention and the agent need Node (files, SQLite); the proxy's edge-less runtime also calls this.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.PROCESS_MONITOR_RETENTION !== "off") {
    const { startRetentionSchedule } = await import("./lib/retention/schedule");
    startRetentionSchedule();
  }
  if (process.env.PROCESS_MONITOR_ALERT_WEBHOOK) {
    const { startServerAlerts } = await import("./lib/alerts/server");
    startServerAlerts();
  }
  if (process.env.PROCESS_MONITOR_HUB === "1") {
    const { startFleetReading } = await import("./lib/fleet/hub/server");
    startFleetReading();
  }
  if (process.env.PROCESS_MONITOR_HUB_URL) {
    const { startServerAgent } = await import("./lib/fleet/agent/server");
    startServerAgent();
  }
}
