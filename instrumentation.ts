// Runs once when the server starts (Next's instrumentation hook).
export async function register() {
  // The background work needs Node (files, SQLite); the proxy's edge-less runtime also calls this.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // The agents' channel is an HTTP adapter: handed to the start as the routes are given theirs.
  const [{ startBackground }, { fleetUpgrade }] = await Promise.all([import("./lib/startup"), import("./lib/api/channel")]);
  startBackground({ fleetUpgrade });
}
