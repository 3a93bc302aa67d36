import { agentFromEnv, startWorkstation } from "../fleet/agent/start";
import { reportSeconds, type Agent } from "../fleet/agent/agent";
import { HUB_KEY_ENV, HUB_URL_ENV } from "../fleet/agent/hub-client";
import { openProcesses } from "../processes";
import { CliError } from "./errors";

/**
 * `agent`: reports this workstation to the hub without a web server, until SIGINT or SIGTERM
 * (or after one report with --once, exiting non-zero when it was not accepted). It runs what the
 * dashboard's server would run beside the registry (startWorkstation): the sampler and the agent.
 */
export async function runAgent(opts: { db?: string; hub?: string; once?: boolean }, out: (text: string) => void): Promise<void> {
  const hubUrl = opts.hub?.trim() || process.env[HUB_URL_ENV]?.trim();
  if (!hubUrl) throw new CliError(`Set ${HUB_URL_ENV} (or --hub URL) to the hub's address, and ${HUB_KEY_ENV} to its fleet key.`);
  const opened = await openProcesses(opts.db, process.cwd(), { usage: true });
  let agent: Agent;
  try {
    agent = agentFromEnv(opened.processes, opened.dbPath, (line) => out(`${new Date().toISOString()} ${line}\n`), hubUrl)!;
  } catch (error) {
    await opened.close();
    throw new CliError((error as Error).message);
  }
  try {
    if (opts.once) {
      const error = await agent.reportOnce();
      if (error) throw new CliError(error);
      out(`Reported ${opened.dbPath} to ${hubUrl}.\n`);
      return;
    }
    out(`Reporting ${opened.dbPath} to ${hubUrl} every ${reportSeconds()} s (Ctrl-C to stop).\n`);
    const workstation = await startWorkstation(opened.processes, agent);
    await new Promise<void>((resolve) => {
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve());
    });
    await workstation.stop();
  } finally {
    await opened.close();
  }
}
