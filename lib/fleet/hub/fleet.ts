import "server-only";
// The fleet's door, beside the workstation's (`processes()`): what pages, actions and the
// HTTP adapters do with the fleet's hosts and records goes through here, never through
// lib/api (an adapter), so the rules live in one place and every caller gets them.
import { ACTION_KINDS, type AgentCommand, type CommandKind } from "../protocol";
import { fleetStore } from "../store";
import { auditOnHub, runCommand, type Requester } from "./commands";
import { decidePending, readmitHost } from "./enroll";
import { FleetRefusal } from "./errors";
import { fleetProcesses } from "./server";

/** Runs one command on a host's record through its agent; the answer, or why not (audited when an action). */
export async function commandOnHost(hostName: string, hash: string, kind: CommandKind, args: AgentCommand["args"], who: Requester) {
  const fleet = fleetProcesses({ fresh: true });
  const host = await fleet.host(hostName);
  const refuse = async (message: string) => {
    // An action refused for want of its target is in the audit log too; a read is not.
    if (ACTION_KINDS.has(kind)) {
      await auditOnHub(await fleetStore(), { hostKey: host?.key, hostName, hash, kind, args, ok: false, message }, who);
    }
    return new FleetRefusal(404, message);
  };
  if (!host) throw await refuse(`No host named "${hostName}" in this fleet.`);
  if (!(await fleet.detail(hostName, hash))) throw await refuse(`Host ${hostName} has reported no record with hash "${hash}".`);
  return runCommand(await fleetStore(), host, { kind, hash, args }, who);
}

const DECISIONS = {
  approve: { done: "Approved the re-enrolment of", none: "No re-enrolment waits for approval on" },
  deny: { done: "Denied the re-enrolment of", none: "No re-enrolment waits for approval on" },
  readmit: { done: "Let back in", none: "No revoked host named" },
} as const;
export type HostDecision = keyof typeof DECISIONS;

/** An operator's decision on a host, audited: approve or deny its pending re-enrolment, readmit it after a revocation. */
export async function decideOnHost(hostName: string, decision: HostDecision, who: Requester): Promise<{ ok: boolean; message: string }> {
  const store = await fleetStore();
  const done = decision === "readmit" ? await readmitHost(store, hostName) : await decidePending(store, hostName, decision === "approve");
  const message = done ? `${DECISIONS[decision].done} ${hostName}.` : `${DECISIONS[decision].none} "${hostName}".`;
  await auditOnHub(store, { hostName, kind: decision, ok: done, message }, who);
  return { ok: done, message };
}
