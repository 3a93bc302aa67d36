import "server-only";
import { alertSender } from "./alerts/sender";
import { setShutdownHook, setUpgradeHandler } from "./http/upgrade.js";
import { watchCrashes } from "./alerts/watch";
import { resolveDbPath } from "./config/paths";
import { serverEnv } from "./config/server-env";
import { agentFromEnv, startWorkstation } from "./fleet/agent/start";
import { startFleetReading } from "./fleet/hub/server";
import { processes } from "./processes/server";
import { startRetentionSchedule } from "./retention/schedule";

/**
 * What a server runs in the background from its start (instrumentation.ts calls this once):
 * the hourly retention pass, crash alerts of a workstation (a hub alerts from the reports it
 * takes), the hub's reading of its store and its agents' channel, and what runs beside the
 * workstation's registry (startWorkstation: the sampler, and the agent when it reports to a hub).
 * Each starts once, whatever calls this again. `fleetUpgrade` is the agents' channel (an HTTP
 * adapter, lib/api/channel.ts), handed in by instrumentation.ts as a route is: lib/ enters no adapter.
 */
export function startBackground({ fleetUpgrade }: { fleetUpgrade: NonNullable<Parameters<typeof setUpgradeHandler>[0]> }): void {
  const env = serverEnv();
  // Whoever runs on the workstation samples its running records and reports them to its hub.
  let agent: ReturnType<typeof agentFromEnv> = null;
  try {
    agent = agentFromEnv(processes(), resolveDbPath(), undefined, env.hubUrl ?? "");
  } catch (error) {
    console.error(`Not reporting to the hub: ${(error as Error).message}`);
  }
  startWorkstation(processes(), agent).then(
    (workstation) => setShutdownHook(() => workstation.stop()),
    // The sampler's module did not load (the registry itself is opened on first use, not here).
    (error: Error) => console.error(`Not sampling the running records: ${error.message}`),
  );
  if (env.automaticRetention) startRetentionSchedule(processes());
  const alerts = alertSender();
  if (alerts && !env.hub) watchCrashes(processes(), alerts);
  if (env.hub) startFleetReading();
  // The agents' WebSockets on a hub, taken by scripts/serve.js before Next sees them (none on a
  // workstation); set either way, since it also tells serve.js that the start has run.
  setUpgradeHandler(env.hub ? fleetUpgrade : null);
}
