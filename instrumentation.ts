// Runs once when the server starts (Next's instrumentation hook).
export async function register() {
  // The background work needs Node (files, SQLite); the proxy's edge-less runtime also calls this.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startBackground } = await import("./lib/startup");
  startBackground();
}
