import "server-only";
// The fleet's door, beside the workstation's (`processes()`): what pages, actions and the HTTP
// adapters do with the fleet's hosts and records goes through here, never through lib/api (an
// adapter), so the rules live in one place and every caller gets them. It throws coded errors
// (FleetError); lib/api/respond.ts alone turns codes into statuses.
import { isCrash } from "../../processes/status";
import { alertSender } from "../../alerts/sender";
import { CodedError } from "../../errors";
import { isErrorCode, type ErrorCode } from "../../status-of";
import { publicUrl } from "../../http/public-url";
import type { ByteRange } from "../../output/range";
import type { RangeArgs, SearchArgs } from "../../output/source";
import { SEARCH_RETRY_SECONDS } from "../../output/scan-slots";
import { instruments } from "../../metrics/instruments";
import { isProcessHash } from "../../registry/hash";
import { secondsToIso } from "../../registry/json";
import {
  ACTION_KINDS,
  agentCarriesOut,
  hostFactsSchema,
  REMOTE_LAUNCH_ENV,
  type AgentCommand,
  type CommandKind,
  type CommandResult,
  type EnrollRequest,
  type InspectAnswer,
  type Report,
  type UsageAnswer,
} from "../protocol";
import type { ValidLaunchRequest } from "../../validation/launch";
import type { WebSocket } from "ws";
import type { FleetStore } from "../store";
import {
  auditLog,
  auditOnHub,
  completeCommand,
  pollCommands,
  pollingHosts,
  releaseCommands,
  runCommand,
  type CommandHost,
  type Requester,
} from "./commands";
import { decidePending, enroll, readmitHost, revokeHost } from "./enroll";
import { FleetError, NOT_IN_FLEET } from "./errors";
import { authenticateHost, hostBeforeBody } from "./host-auth";
import { admitNewHost, admitSocket } from "./admissions";
import { adoptSocket, outputChanged, releaseSocket, socketHosts, watchOutput } from "./agents";
import { ingest } from "./ingest";
import { holdsHost } from "./instances";
import { checkedInspect, checkedLine, checkedRange, checkedSearch, checkedUsage } from "./answers";
import type { HostChange } from "./ingest-write";
import type { FleetProcesses } from "./records";
import { hostRowStatus } from "./status";

const DECISIONS = {
  approve: { done: "Approved the re-enrolment of", none: "No re-enrolment waits for approval on" },
  deny: { done: "Denied the re-enrolment of", none: "No re-enrolment waits for approval on" },
  readmit: { done: "Let back in", none: "No revoked host named" },
} as const;
export type HostDecision = keyof typeof DECISIONS;

/**
 * The code a workstation's refusal keeps through the hub (its status with it: a record gone there
 * is 404 here too); none sent, the command's own; one this hub does not know (a newer agent's), COMMAND_FAILED.
 */
export function refusalCode(sent: unknown, none: ErrorCode): ErrorCode {
  if (sent === undefined || sent === null) return none;
  return isErrorCode(sent) ? sent : "COMMAND_FAILED";
}

/** An agent's answer that refused a read or a launch: its code (the workstation's), said by the hub as the workstation would. */
export class RemoteRefusal extends CodedError<ErrorCode> {
  static override readonly brand = "RemoteRefusal";
  constructor(
    code: ErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
    /** The launch form's field the refusal concerns (executable, cwd), as the workstation said. */
    readonly field?: string,
  ) {
    super(code, message, field ? { details: { field } } : {});
  }
}

export class FleetDoor {
  constructor(
    private readonly store: () => Promise<FleetStore>,
    private readonly reading: { pages: FleetProcesses; api: FleetProcesses },
    /** Told what each report accepted here made of its host's rows (this instance's reading takes it from there). */
    private readonly written: (change: HostChange) => void = () => undefined,
  ) {}

  /**
   * The fleet's records and hosts as last reported. Pages may be served a reading up to 2 s
   * old while a newer one is made; `fresh` (the API, an action's follow-up) waits for a current one.
   */
  processes({ fresh = false }: { fresh?: boolean } = {}): FleetProcesses {
    return fresh ? this.reading.api : this.reading.pages;
  }

  // ---- what the agents ask ----

  /** An agent that presented the fleet key: its host secret (or why not). */
  async enroll(request: EnrollRequest, address: string | null) {
    return enroll(await this.store(), request, address, admitNewHost);
  }

  /** The host key of an agent's secret, checked (`beforeBody`: may be taken from a recent check). */
  async agent(secret: string | null, { beforeBody = false } = {}): Promise<string> {
    const store = await this.store();
    return beforeBody ? hostBeforeBody(store, secret) : (await authenticateHost(store, secret)).key;
  }

  /** An agent opening its socket: its host key once checked and let in (BUSY while many come back at once). */
  async socketFor(secret: string | null): Promise<string> {
    const hostKey = await this.agent(secret);
    admitSocket();
    return hostKey;
  }

  /** Takes `ws` as the host's socket on this instance (after its first accepted report); an older one of the host is closed. */
  adoptSocket(hostKey: string, ws: WebSocket): void {
    adoptSocket(hostKey, ws);
  }

  /** The host's socket closed. */
  releaseSocket(hostKey: string, ws: WebSocket): void {
    releaseSocket(hostKey, ws);
  }

  /** An agent said that an output watched through it changed. */
  outputChanged(watchId: string): void {
    outputChanged(watchId);
  }

  /** Agents connected to this instance: over a socket, and waiting on an HTTP long-poll without one. */
  connections(): { socket: number; http: number } {
    const sockets = socketHosts();
    return { socket: sockets.size, http: pollingHosts().filter((key) => !sockets.has(key)).length };
  }

  /** Whether the store answers (health): throws what it says when it does not. */
  async checkStore(): Promise<void> {
    await (await this.store()).db.$queryRawUnsafe("SELECT 1");
  }

  /** Takes one report; each crash it tells of for the first time goes to the alert webhook. */
  async report(secret: string, report: Report, address: string | null) {
    const { newEvents, change, ...answer } = await ingest(await this.store(), secret, report, address);
    if (change) this.written(change);
    const alerts = alertSender();
    if (alerts) {
      for (const event of newEvents.filter(isCrash)) {
        alerts.crash({
          kind: "crash",
          host: answer.name,
          name: event.name,
          hash: event.hash,
          exitCode: event.exitCode,
          signal: event.exitSignal,
          endedAt: secondsToIso(event.endedAt),
          lastLines: event.lastLines ?? [],
          url: `${publicUrl()}/fleet/${answer.name}/processes/${event.hash}`,
          endReason: event.endReason ?? null,
          peakMemoryBytes: event.peakMemoryBytes ?? null,
        });
      }
    }
    return answer;
  }

  /** An agent's long-poll for the commands waiting for it, held at most `holdSeconds` (an HTTP poll's default). */
  async commandsFor(hostKey: string, signal: AbortSignal, holdSeconds?: number, instance?: string): Promise<AgentCommand[]> {
    const store = await this.store();
    if (instance) await holdsHost(store, hostKey, instance);
    return pollCommands(store, hostKey, signal, holdSeconds);
  }

  /** Commands taken for an agent's connection that closed before they were sent: back to waiting for it. */
  async putBack(hostKey: string, ids: string[]): Promise<void> {
    return releaseCommands(await this.store(), hostKey, ids);
  }

  /** An agent's answer to one command it was sent. */
  async answer(hostKey: string, id: string, result: CommandResult): Promise<void> {
    if (!(await completeCommand(await this.store(), hostKey, id, result))) {
      throw new FleetError("NOT_WAITING", "No command of this host with this id is waiting for an answer.");
    }
  }

  // ---- what an operator does ----

  /**
   * Runs one command on a host's record through its agent: the answer, or why not (audited when
   * an action). The target is looked up by two indexed reads of the store, not a whole reading:
   * a follower through the hub asks every half second.
   */
  async command(
    hostName: string,
    hash: string,
    kind: CommandKind,
    args: AgentCommand["args"],
    who: Requester,
    { timeoutMs }: { timeoutMs?: number } = {},
  ) {
    const store = await this.store();
    const host = await this.target(store, hostName);
    const refuse = async (message: string) => {
      // An action refused for want of its target is in the audit log too; a read is not.
      if (ACTION_KINDS.has(kind)) await auditOnHub(store, { hostKey: host?.key, hostName, hash, kind, args, ok: false, message }, who);
      return new FleetError("NOT_FOUND", message);
    };
    if (!host) throw await refuse(NOT_IN_FLEET.host(hostName));
    if (!(await this.reported(store, host.key, hash))) throw await refuse(NOT_IN_FLEET.record(hostName, hash));
    if (!agentCarriesOut(host.facts, kind)) {
      // Sent anyway, an older agent would drop it (its poll would fail on it): refused here, clearly.
      throw new FleetError("UNSUPPORTED", `${hostName}'s agent is of an older version that cannot do this (${kind}); update it.`);
    }
    return timedCommand(kind, () => runCommand(store, host, { kind, hash, args }, who, timeoutMs));
  }

  /**
   * Tells `changed` each time a remote record's output changes, when its agent's socket is on
   * this instance (a follower reads at once rather than at its next poll); returns the stop, or
   * null when that cannot be (the follower polls).
   */
  async watchOutput(hostName: string, hash: string, changed: () => void): Promise<(() => void) | null> {
    const host = await this.target(await this.store(), hostName);
    return host ? watchOutput(host.key, hash, changed) : null;
  }

  /** A read on a record's workstation: what the agent answered, or its refusal thrown with its code. */
  async read(
    hostName: string,
    hash: string,
    kind: "range" | "search" | "line" | "inspect" | "usage",
    args: AgentCommand["args"],
    who: Requester,
    options: { timeoutMs?: number } = {},
  ) {
    const outcome = await this.command(hostName, hash, kind, args, who, options);
    if (outcome.ok) return outcome.data;
    const code = refusalCode(outcome.data.code, "NOT_FOUND");
    const wait = outcome.data.retryAfterSeconds;
    throw new RemoteRefusal(
      code,
      outcome.message,
      typeof wait === "number" ? wait : code === "SEARCHES_BUSY" ? SEARCH_RETRY_SECONDS : undefined,
    );
  }

  /** Bytes of a record's output, read on its workstation: the same range as a local read of the file. */
  async range(hostName: string, hash: string, args: RangeArgs, who: Requester): Promise<ByteRange> {
    return checkedRange(hostName, args, await this.read(hostName, hash, "range", args, who));
  }

  /** A search of a record's output on its workstation: the same answer as a local search. */
  async search(hostName: string, hash: string, args: SearchArgs, who: Requester): Promise<Record<string, unknown>> {
    return checkedSearch(hostName, args, await this.read(hostName, hash, "search", args, who));
  }

  /** The line number at a byte of a record's output on its workstation. */
  async line(hostName: string, hash: string, offset: number, who: Requester): Promise<number> {
    return checkedLine(hostName, await this.read(hostName, hash, "line", { offset }, who));
  }

  /**
   * What a record's page shows that only its workstation knows: its child processes, its sampled
   * usage, its output's last lines. A page waits `timeoutMs` for them, not a command's 20 s.
   */
  async inspect(hostName: string, hash: string, who: Requester, { timeoutMs = 5_000 } = {}): Promise<InspectAnswer> {
    return checkedInspect(hostName, await this.read(hostName, hash, "inspect", {}, who, { timeoutMs }));
  }

  /** A remote record's tree's CPU and memory now (the live chart's point on the hub). */
  async usage(hostName: string, hash: string, who: Requester): Promise<UsageAnswer> {
    return checkedUsage(hostName, await this.read(hostName, hash, "usage", {}, who, { timeoutMs: 5_000 }));
  }

  /**
   * Starts a program on a host through its agent, only where the workstation allows it (its
   * agent lists `launch`: PROCESS_MONITOR_ALLOW_REMOTE_LAUNCH=1 there). Audited, refusals too.
   * The new record's hash and pid, or the workstation's refusal thrown with its code (and the
   * form's field it concerns).
   */
  async launch(
    hostName: string,
    request: ValidLaunchRequest,
    who: Requester,
  ): Promise<{ hash: string; pid: number | null; message: string }> {
    const store = await this.store();
    const host = await this.target(store, hostName);
    const args = { launch: request };
    const refuse = async (code: "NOT_FOUND" | "LAUNCH_NOT_ALLOWED", message: string) => {
      await auditOnHub(store, { hostKey: host?.key, hostName, kind: "launch", args, ok: false, message }, who);
      return new FleetError(code, message);
    };
    if (!host) throw await refuse("NOT_FOUND", NOT_IN_FLEET.host(hostName));
    if (!agentCarriesOut(host.facts, "launch")) {
      throw await refuse(
        "LAUNCH_NOT_ALLOWED",
        `${hostName} does not take launches from the hub: set ${REMOTE_LAUNCH_ENV}=1 for its agent to allow them.`,
      );
    }
    const outcome = await timedCommand("launch", () => runCommand(store, host, { kind: "launch", hash: "", args }, who));
    const hash = String(outcome.data.hash ?? "");
    if (outcome.ok && isProcessHash(hash)) {
      // The audit log names the record the launch made, as it names the record of any other action.
      await store.db.fleetCommand.update({ where: { id: outcome.id }, data: { hash } }).catch(() => undefined);
      return { hash, pid: typeof outcome.data.pid === "number" ? outcome.data.pid : null, message: outcome.message };
    }
    const code = refusalCode(outcome.data.code, "REFUSED");
    const field = typeof outcome.data.field === "string" ? outcome.data.field : undefined;
    throw new RemoteRefusal(code, outcome.message, undefined, field);
  }

  /** An operator's decision on a host, audited: approve or deny its pending re-enrolment, readmit it after a revocation. */
  async decide(hostName: string, decision: HostDecision, who: Requester): Promise<{ ok: boolean; message: string }> {
    const store = await this.store();
    const done = decision === "readmit" ? await readmitHost(store, hostName) : await decidePending(store, hostName, decision === "approve");
    const message = done ? `${DECISIONS[decision].done} ${hostName}.` : `${DECISIONS[decision].none} "${hostName}".`;
    await auditOnHub(store, { hostName, kind: decision, ok: done, message }, who);
    return { ok: done, message };
  }

  /** Revokes a host, audited: its secret stops working and it cannot enrol again until readmitted. */
  async revoke(hostName: string, who: Requester): Promise<string> {
    const store = await this.store();
    const revoked = await revokeHost(store, hostName);
    const message = revoked
      ? `Revoked ${hostName}: its secret no longer works and it cannot enrol again.`
      : `No host named "${hostName}" that is not already revoked.`;
    await auditOnHub(store, { hostName, kind: "revoke", ok: revoked, message }, who);
    if (!revoked) throw new FleetError("NOT_FOUND", message);
    return message;
  }

  /** Every action through the hub, newest first. */
  async audit(page: { limit: number; offset: number }) {
    return auditLog(await this.store(), page);
  }

  private async target({ db }: FleetStore, name: string): Promise<(CommandHost & { facts: { commands?: string[] } | null }) | null> {
    const row = await db.fleetHost.findUnique({
      where: { name },
      select: { key: true, name: true, lastSeen: true, intervalS: true, revokedAt: true, facts: true },
    });
    return (
      row && {
        key: row.key,
        name: row.name,
        lastSeen: row.lastSeen,
        status: hostRowStatus(row),
        revoked: row.revokedAt !== null,
        facts: commandsOf(row.facts),
      }
    );
  }

  private async reported({ db }: FleetStore, hostKey: string, hash: string): Promise<boolean> {
    if (!isProcessHash(hash)) return false;
    return (await db.fleetProcess.findUnique({ where: { hostKey_hash: { hostKey, hash } }, select: { hash: true } })) !== null;
  }
}

/** A command through an agent, its time and outcome in the commands histogram (ok, refused there, or failed: no answer). */
async function timedCommand<T extends { ok: boolean }>(kind: CommandKind, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const outcome = await run();
    instruments().commands.observe({ kind, result: outcome.ok ? "ok" : "refused" }, seconds());
    return outcome;
  } catch (error) {
    instruments().commands.observe({ kind, result: "failed" }, seconds());
    throw error;
  }
}

/** The command kinds a host's facts list (null: facts of an agent that lists none, or none at all). */
function commandsOf(facts: string | null): { commands?: string[] } | null {
  if (!facts) return null;
  try {
    const commands = hostFactsSchema.shape.commands.safeParse((JSON.parse(facts) as { commands?: unknown }).commands);
    return commands.success ? { commands: commands.data } : null;
  } catch {
    return null;
  }
}

/** An agent's answer checked before anything of it is shown: a hostile or broken agent gets a clear refusal, never a broken page. */
