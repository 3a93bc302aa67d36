// Runs once when the server starts (Next's instrumentation hook).
export async function register() {
  // Retention needs Node (files, SQLite); the proxy's edge-less runtime also calls this.
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.PROCESS_MONITOR_RETENTION === "off") return;
  const { startRetentionSchedule } = await import("./lib/retention/schedule");
  startRetentionSchedule();
}
