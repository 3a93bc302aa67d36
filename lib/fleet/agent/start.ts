import type { LocalProcesses } from "../../processes/local";
import { Agent, reportSeconds, type AgentStatus } from "./agent";
import { shared } from "../../config/shared";
import { HUB_KEY_ENV, HUB_URL_ENV } from "./hub-client";

/** The agent configured by the environment, or null when PROCESS_MONITOR_HUB_URL is not set. */
export function agentFromEnv(processes: LocalProcesses, dbPath: string, log?: (line: string) => void): Agent | null {
  const hubUrl = process.env[HUB_URL_ENV]?.trim();
  if (!hubUrl) return null;
  const fleetKey = process.env[HUB_KEY_ENV]?.trim();
  if (!fleetKey) throw new Error(`${HUB_URL_ENV} is set but ${HUB_KEY_ENV} is not: set it to the fleet key the hub printed at start.`);
  return new Agent({ hubUrl, fleetKey, processes, dbPath, intervalSeconds: reportSeconds(), log });
}

const started = shared("workstation-agent", () => ({ agent: null as Agent | null }));

/** Starts the agent of this server (lib/startup.ts), kept for its header's status. */
export function startWorkstationAgent(agent: Agent): void {
  started.agent = agent;
  agent.start();
}

/** How this server's agent reports to its hub, or null when it reports to none. */
export function workstationAgentStatus(): AgentStatus | null {
  return started.agent?.status() ?? null;
}
