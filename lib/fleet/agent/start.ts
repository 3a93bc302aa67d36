import type { LocalProcesses } from "../../processes/local";
import { Agent, reportSeconds, type AgentStatus } from "./agent";
import { shared } from "../../config/shared";
import { HUB_KEY_ENV, HUB_URL_ENV } from "./hub-client";

/**
 * The agent configured by the environment (`hubUrl`: PROCESS_MONITOR_HUB_URL unless given, as
 * the CLI's --hub), or null when it names no hub. Throws when the hub is named without its key.
 */
export function agentFromEnv(
  processes: LocalProcesses,
  dbPath: string,
  log?: (line: string) => void,
  hubUrl = process.env[HUB_URL_ENV]?.trim(),
): Agent | null {
  if (!hubUrl) return null;
  const fleetKey = process.env[HUB_KEY_ENV]?.trim();
  if (!fleetKey) throw new Error(`${HUB_KEY_ENV} is not set: set it to the fleet key the hub printed at start.`);
  return new Agent({ hubUrl, fleetKey, processes, dbPath, intervalSeconds: reportSeconds(), log });
}

const started = shared("workstation-agent", () => ({ agent: null as Agent | null }));

/**
 * What runs beside a workstation's registry, whoever runs it (the dashboard's server, or
 * `process-monitor agent` without one): the sampler of its running records and the settling of
 * their ends (SPEC "The end record"), and its agent when it reports to a hub. One per process;
 * `stop` ends both.
 */
export async function startWorkstation(processes: LocalProcesses, agent: Agent | null): Promise<{ stop: () => Promise<void> }> {
  // The agent first: it does not wait for the sampler's module to load.
  if (agent) {
    started.agent = agent;
    agent.start();
  }
  const sampler = await processes.sampler();
  sampler.start();
  return {
    stop: async () => {
      sampler.stop();
      await agent?.stop();
    },
  };
}

/** How this server's agent reports to its hub, or null when it reports to none. */
export function workstationAgentStatus(): AgentStatus | null {
  return started.agent?.status() ?? null;
}
