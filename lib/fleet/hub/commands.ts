import crypto from "node:crypto";
import { ACTION_KINDS, COMMAND_POLL_SECONDS, type AgentCommand, type CommandKind, type CommandResult } from "../protocol";
import { canAsk, unaskable } from "./status";
import { shared } from "../../config/shared";
import type { FleetStore } from "../store";
import { onSignal, signal, signalHere } from "../store/signals";
import { FleetError } from "./errors";
import type { FleetHostInfo } from "./snapshot";

/** What a command needs of its host: where to send it, and whether anyone listens there. */
export type CommandHost = Pick<FleetHostInfo, "key" | "name" | "status" | "revoked" | "lastSeen">;

/** Who asked, for the audit log. */
export interface Requester {
  role: "operator" | "viewer";
  address: string | null;
}

/** How long a command may wait for its host's agent to take it and answer. */
export const COMMAND_TIMEOUT_MS = 20_000;

// A command given on any hub instance wakes its host's waiting poll at once, wherever that is,
// and an answer wakes whoever waits for it (lib/fleet/store/signals.ts: LISTEN/NOTIFY on
// PostgreSQL). A sweep of the store each second finds what a lost signal missed.

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

export interface CommandOutcome extends CommandResult {
  id: string;
}

function describe(host: CommandHost): string {
  const seen = host.lastSeen === null ? "it never reported" : `its last report was ${new Date(host.lastSeen).toISOString()}`;
  return `${unaskable(host)} (${seen})`;
}

/**
 * Sends a command to a host's agent and waits for its answer. Refused at once, with nothing
 * sent, when the host is not online. Taken by the agent at most once (a poll claims it), so
 * nothing runs twice; an action is in the audit log once, whatever its outcome.
 */
export async function runCommand(
  store: FleetStore,
  host: CommandHost,
  command: { kind: CommandKind; hash: string; args?: AgentCommand["args"] },
  who: Requester,
  timeoutMs = COMMAND_TIMEOUT_MS,
): Promise<CommandOutcome> {
  const { db } = store;
  const id = crypto.randomUUID();
  const audited = ACTION_KINDS.has(command.kind);
  const row = {
    id,
    hostKey: host.key,
    hostName: host.name,
    hash: command.hash,
    kind: command.kind,
    args: JSON.stringify(command.args ?? {}),
    audited,
    role: who.role,
    address: who.address,
    createdAt: Date.now(),
  };
  if (!canAsk(host)) {
    const message = `${describe(host)}: nothing was sent.`;
    if (audited)
      await db.fleetCommand.create({
        data: { ...row, status: "failed", doneAt: Date.now(), result: JSON.stringify({ ok: false, message }) },
      });
    throw new FleetError("HOST_OFFLINE", message);
  }
  await db.fleetCommand.create({ data: { ...row, status: "pending" } });
  await signal(store, { kind: "command", hostKey: host.key });

  const deadline = Date.now() + timeoutMs;
  for (let wait = 25; Date.now() < deadline; wait = Math.min(250, wait * 2)) {
    // An answer wakes us at once, whichever instance took it; else the store is asked again within 250 ms.
    const answered = new AbortController();
    const stopWaiting = onSignal(store, { kind: "done", id }, () => answered.abort());
    await sleep(wait, answered.signal);
    stopWaiting();
    const current = await db.fleetCommand.findUnique({ where: { id }, select: { status: true, result: true } });
    if (current && (current.status === "done" || current.status === "failed") && current.result) {
      // Reads (output ranges, searches) are not actions: once answered, nothing to keep.
      if (!audited) await db.fleetCommand.delete({ where: { id } }).catch(() => undefined);
      return { id, ...(JSON.parse(current.result) as CommandResult) };
    }
  }
  // Not taken: withdrawn, so it can never run late. Taken but unanswered: it may have run.
  const { count } = await db.fleetCommand.updateMany({
    where: { id, status: "pending" },
    data: { status: "expired", doneAt: Date.now(), result: JSON.stringify({ ok: false, message: "The agent did not take it in time." }) },
  });
  const message =
    count > 0
      ? `${host.name} did not take the command within ${timeoutMs / 1000} s; it was withdrawn and nothing was done.`
      : audited
        ? `${host.name} took the command but did not answer within ${timeoutMs / 1000} s; it may still have been carried out. Check the record.`
        : `${host.name} took the request but did not answer within ${timeoutMs / 1000} s.`;
  if (count === 0) {
    await db.fleetCommand.updateMany({
      where: { id, status: "sent" },
      data: { status: "failed", doneAt: Date.now(), result: JSON.stringify({ ok: false, message }) },
    });
  }
  throw new FleetError("NO_ANSWER", message);
}

/**
 * An action that was refused before anything was sent (a viewer, an unknown host or record),
 * or one carried out on the hub itself (revoke): in the audit log like any other.
 */
export async function auditOnHub(
  { db }: FleetStore,
  entry: { hostKey?: string; hostName: string; hash?: string; kind: string; args?: AgentCommand["args"]; ok: boolean; message: string },
  who: Requester,
): Promise<void> {
  const now = Date.now();
  await db.fleetCommand.create({
    data: {
      id: crypto.randomUUID(),
      hostKey: entry.hostKey ?? "",
      hostName: entry.hostName.slice(0, 255),
      hash: (entry.hash ?? "").slice(0, 128),
      kind: entry.kind,
      args: JSON.stringify(entry.args ?? {}),
      audited: true,
      role: who.role,
      address: who.address,
      createdAt: now,
      doneAt: now,
      status: entry.ok ? "done" : "refused",
      result: JSON.stringify({ ok: entry.ok, message: entry.message }),
    },
  });
}

/** Claims a host's pending commands (each claimed once, whichever hub instance polls). */
async function claim({ db }: FleetStore, hostKey: string): Promise<AgentCommand[]> {
  const pending = await db.fleetCommand.findMany({ where: { hostKey, status: "pending" }, orderBy: { createdAt: "asc" }, take: 20 });
  const claimed: AgentCommand[] = [];
  for (const command of pending) {
    const { count } = await db.fleetCommand.updateMany({
      where: { id: command.id, status: "pending" },
      data: { status: "sent", sentAt: Date.now() },
    });
    if (count === 1) {
      claimed.push({
        id: command.id,
        kind: command.kind as CommandKind,
        hash: command.hash,
        args: JSON.parse(command.args) as AgentCommand["args"],
      });
    }
  }
  return claimed;
}

/**
 * An agent's long-poll: answers as soon as commands are waiting, else after `COMMAND_POLL_SECONDS`.
 * Woken at once by a command given on this instance; by a sweep of the store every second for the others.
 */
export async function pollCommands(
  store: FleetStore,
  hostKey: string,
  outer: AbortSignal,
  holdSeconds = COMMAND_POLL_SECONDS,
): Promise<AgentCommand[]> {
  // An agent holds one poll at a time: a newer one means the older is dead (its agent
  // restarted, or a proxy kept the upstream open after the agent left). Ended now, so that no
  // command is claimed for a connection nobody reads.
  polls.get(hostKey)?.abort();
  const mine = new AbortController();
  polls.set(hostKey, mine);
  const signal = AbortSignal.any([outer, mine.signal]);
  try {
    return await pollUntil(store, hostKey, signal, holdSeconds);
  } finally {
    if (polls.get(hostKey) === mine) polls.delete(hostKey);
  }
}

/** Each host's newest command poll on this instance. */
const polls = new Map<string, AbortController>();

/** The hosts whose agent waits for commands on this instance (a long-poll, or a socket's loop). */
export function pollingHosts(): string[] {
  return [...polls.keys()];
}

async function pollUntil(store: FleetStore, hostKey: string, signal: AbortSignal, holdSeconds: number): Promise<AgentCommand[]> {
  const deadline = Date.now() + holdSeconds * 1000;
  sweepFor(store);
  while (!signal.aborted && Date.now() < deadline) {
    // Woken by a command given on any instance (or found by the sweep): listened for before the
    // store is asked, so that one given meanwhile is not missed.
    const woken = new AbortController();
    const onWake = () => woken.abort();
    const stopWaiting = onSignal(store, { kind: "command", hostKey }, onWake);
    try {
      const found = await claim(store, hostKey);
      if (found.length > 0) {
        // Claimed for a connection that went away meanwhile: nobody would receive them.
        if (!signal.aborted) return found;
        await releaseCommands(
          store,
          hostKey,
          found.map((c) => c.id),
        );
        return [];
      }
      signal.addEventListener("abort", onWake, { once: true });
      await sleep(Math.max(0, deadline - Date.now()), woken.signal);
    } finally {
      stopWaiting();
      signal.removeEventListener("abort", onWake);
    }
  }
  return [];
}

/**
 * What a lost signal missed (the LISTEN connection down a moment): one query a second for the
 * hosts with a command pending (read from the host_key/status index alone) wakes their polls
 * here, instead of every waiting poll asking the store every second (1,000 connected agents:
 * 1,000 queries a second).
 */
function sweepFor(store: FleetStore): void {
  const sweeps = shared("command-sweeps", () => new Set<FleetStore>());
  if (sweeps.has(store)) return;
  sweeps.add(store);
  const timer = setInterval(() => {
    if (polls.size === 0) return;
    void store.db.fleetCommand
      .findMany({ where: { status: "pending" }, select: { hostKey: true }, distinct: ["hostKey"] })
      .then((rows) => {
        for (const { hostKey } of rows) if (polls.has(hostKey)) signalHere(store, { kind: "command", hostKey });
      })
      .catch(() => undefined);
  }, 1_000);
  timer.unref();
}

/**
 * Commands claimed for a connection that closed before they reached it (its send failed): pending
 * again, for the agent's next poll here or on another instance, instead of waiting out their
 * timeout as "taken but not answered". Only commands not yet answered go back.
 */
export async function releaseCommands(store: FleetStore, hostKey: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await store.db.fleetCommand.updateMany({
    where: { id: { in: ids }, hostKey, status: "sent" },
    data: { status: "pending", sentAt: null },
  });
  await signal(store, { kind: "command", hostKey });
}

/** An agent's answer: kept once, for the command it was sent (by this host). */
export async function completeCommand(store: FleetStore, hostKey: string, id: string, result: CommandResult): Promise<boolean> {
  const { count } = await store.db.fleetCommand.updateMany({
    where: { id, hostKey, status: "sent" },
    data: { status: result.ok ? "done" : "failed", doneAt: Date.now(), result: JSON.stringify(result) },
  });
  await signal(store, { kind: "done", id });
  return count === 1;
}

export interface AuditEntry {
  id: string;
  at: string;
  role: string;
  address: string | null;
  host: string;
  hash: string;
  command: string;
  status: string;
  ok: boolean | null;
  result: string | null;
}

/** Every action through the hub, newest first. */
export async function auditLog({ db }: FleetStore, { limit = 100, offset = 0 } = {}): Promise<{ total: number; entries: AuditEntry[] }> {
  const [total, rows] = await Promise.all([
    db.fleetCommand.count({ where: { audited: true } }),
    db.fleetCommand.findMany({ where: { audited: true }, orderBy: { createdAt: "desc" }, skip: offset, take: limit }),
  ]);
  return {
    total,
    entries: rows.map((row) => {
      const result = row.result ? (JSON.parse(row.result) as Partial<CommandResult>) : null;
      const args = JSON.parse(row.args) as AgentCommand["args"];
      return {
        id: row.id,
        at: new Date(row.createdAt).toISOString(),
        role: row.role,
        address: row.address,
        host: row.hostName,
        hash: row.hash,
        command: row.kind === "stop" && args.force ? "kill" : row.kind,
        status: row.status,
        ok: result?.ok ?? null,
        result: result?.message ?? null,
      };
    }),
  };
}
