import "server-only";
import { resolveFleetKey } from "../auth/token-file.js";
import { enroll, revokeHost } from "../fleet/hub/enroll";
import { commandOnHost, decideOnHost, type HostDecision } from "../fleet/hub/fleet";
import { FleetRefusal } from "../fleet/hub/errors";
import { ingest } from "../fleet/hub/ingest";
import { authenticateHost, hostBeforeBody } from "../fleet/hub/host-auth";
import { clientAddress } from "../auth/login";
import { wrongCredential } from "../auth/rate-limit";
import { bearerOf, hostKeyOf, keyMatches } from "../fleet/hub/secrets";
import { fleetProcesses, isHub, NOT_A_HUB } from "../fleet/hub/server";
import type { FleetHostInfo } from "../fleet/hub/snapshot";
import {
  commandResultSchema,
  enrollRequestSchema,
  MAX_REPORT_BYTES,
  PROTOCOL_VERSION,
  reportSchema,
  type AgentCommand,
} from "../fleet/protocol";
import { followRemote } from "../fleet/hub/follow";
import type { CommandOutcome } from "../fleet/hub/commands";
import { auditLog, auditOnHub, completeCommand, pollCommands, type Requester } from "../fleet/hub/commands";
import { z } from "zod";
import { fleetStore } from "../fleet/store";
import type { FleetQuery } from "../fleet/hub/records";
import { alertSender } from "../alerts/sender";
import { isCrash } from "../fleet/hub/crash";
import { publicUrl } from "../http/public-url";
import { secondsToIso } from "../registry/json";
import { roleOf } from "../auth/role";
import type { Role } from "../auth/session";
import { readJsonBody } from "./body";
import { forRole } from "./processes";
import { errorResponse, jsonError, jsonOk } from "./respond";

/** The peer's address as scripts/serve.js set it from the socket. */
function addressOf(request: Request): string | null {
  return request.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || null;
}

/**
 * A wrong agent credential from this address: counted (rate-limit.ts), and past the limit the
 * 429 to send instead of the usual refusal; null while under it.
 */
function limited(request: Request, kind: "fleet-key" | "host-secret", what: string): Response | null {
  const wait = wrongCredential(clientAddress(request), kind);
  if (wait === 0) return null;
  return jsonError(
    429,
    `Too many ${what} from this address; try again in ${wait} s.`,
    { code: "TOO_MANY" },
    { "retry-after": String(wait) },
  );
}

function refusal(error: unknown): Response {
  if (error instanceof FleetRefusal) return jsonError(error.status, error.message, error.body);
  return errorResponse(error);
}

function issues(error: { issues: Array<{ path: PropertyKey[]; message: string }> }): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join(".") || "body"}: ${i.message}`)
    .join("; ");
}

/** POST /api/fleet/enroll: `Authorization: Bearer <fleet key>`, body {protocol, hostId, machineId, hostname}. */
export async function handleEnroll(request: Request): Promise<Response> {
  if (!isHub()) return jsonError(404, NOT_A_HUB);
  const given = bearerOf(request);
  if (!given || !keyMatches(given, resolveFleetKey().token)) {
    const tooMany = limited(request, "fleet-key", "wrong fleet keys");
    if (tooMany) return tooMany;
    return jsonError(401, "Wrong fleet key: set PROCESS_MONITOR_HUB_KEY to the key the hub printed at start (or its fleet-key file).", {
      code: "WRONG_KEY",
    });
  }
  const body = await readJsonBody(request);
  if ("response" in body) return body.response;
  const parsed = enrollRequestSchema.safeParse(body.value);
  if (!parsed.success) return jsonError(400, `Bad enrolment: ${issues(parsed.error)}`);
  try {
    return jsonOk(await enroll(await fleetStore(), parsed.data, addressOf(request)));
  } catch (error) {
    return refusal(error);
  }
}

/** POST /api/fleet/report: `Authorization: Bearer <host secret>`, body a report (lib/fleet/protocol.ts). */
export async function handleReport(request: Request): Promise<Response> {
  if (!isHub()) return jsonError(404, NOT_A_HUB);
  const secret = bearerOf(request);
  if (!secret || !hostKeyOf(secret)) {
    return jsonError(401, "Send the host secret this hub gave at enrolment as Authorization: Bearer <secret>.", { code: "UNKNOWN_HOST" });
  }
  // Who it is before what it says: an unknown sender's body is never read, and its connection
  // is closed after the answer rather than drained for the next request.
  const known = await agentOf(request, true);
  if ("response" in known) {
    known.response.headers.set("connection", "close");
    return known.response;
  }
  const body = await readJsonBody(request, { limit: MAX_REPORT_BYTES });
  if ("response" in body) return body.response;
  const parsed = reportSchema.safeParse(body.value);
  if (!parsed.success) return jsonError(400, `Bad report: ${issues(parsed.error)}`);
  if (parsed.data.protocol > PROTOCOL_VERSION) {
    return jsonError(400, `This hub speaks report protocol ${PROTOCOL_VERSION}; upgrade the hub.`, { code: "PROTOCOL" });
  }
  try {
    const started = performance.now();
    const { newEvents, ...answer } = await ingest(await fleetStore(), secret, parsed.data, addressOf(request));
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
        });
      }
    }
    const response = jsonOk(answer);
    // The time the hub spent storing it, apart from waiting in line (bench fleet reads it).
    response.headers.set("server-timing", `ingest;dur=${(performance.now() - started).toFixed(1)}`);
    return response;
  } catch (error) {
    return refusal(error);
  }
}

/** A host as `GET /api/fleet/hosts` lists it (SPEC fields first). */
export function hostJson(host: FleetHostInfo) {
  return {
    name: host.name,
    id: host.id,
    hostname: host.hostname,
    status: host.status,
    lastSeen: host.lastSeen === null ? null : new Date(host.lastSeen).toISOString(),
    running: host.running,
    total: host.total,
    crashes24h: host.crashes24h,
    enrolledAt: new Date(host.enrolledAt).toISOString(),
    reportSeconds: host.intervalSeconds,
    address: host.address,
    facts: host.facts,
    sharesIdWith: host.sharesIdWith,
    revoked: host.revoked,
    pending: host.pending ? { since: new Date(host.pending.since).toISOString(), address: host.pending.address } : null,
    sharedSecretAt: host.sharedSecretAt === null ? null : new Date(host.sharedSecretAt).toISOString(),
  };
}

export async function listHosts(): Promise<Response> {
  if (!isHub()) return jsonError(404, NOT_A_HUB);
  try {
    return jsonOk({ hosts: (await fleetProcesses({ fresh: true }).hosts()).map(hostJson) });
  } catch (error) {
    return errorResponse(error);
  }
}

export async function listFleetProcesses(query: FleetQuery, role: Role = "operator"): Promise<Response> {
  if (!isHub()) return jsonError(404, NOT_A_HUB);
  try {
    const fleet = fleetProcesses({ fresh: true });
    if (query.host && !(await fleet.host(query.host))) return jsonError(404, `No host named "${query.host}" in this fleet.`);
    const list = await fleet.list(query);
    return jsonOk({
      total: list.total,
      limit: query.limit,
      offset: query.offset,
      processes: (await fleet.json(list.items)).map((record) => forRole(record, role)),
    });
  } catch (error) {
    return errorResponse(error);
  }
}

export async function fleetProcessJson(hostName: string, hash: string, role: Role = "operator"): Promise<Response> {
  if (!isHub()) return jsonError(404, NOT_A_HUB);
  try {
    const fleet = fleetProcesses({ fresh: true });
    if (!(await fleet.host(hostName))) return jsonError(404, `No host named "${hostName}" in this fleet.`);
    const detail = await fleet.detail(hostName, hash);
    if (!detail) return jsonError(404, `Host ${hostName} has reported no record with hash "${hash}".`);
    return jsonOk(forRole(detail.record, role));
  } catch (error) {
    return errorResponse(error);
  }
}

/** POST /api/fleet/hosts/<host>/revoke: the host's secret stops working; it cannot enrol again. */
export async function revoke(request: Request, hostName: string): Promise<Response> {
  if (!isHub()) return jsonError(404, NOT_A_HUB);
  try {
    const store = await fleetStore();
    const revoked = await revokeHost(store, hostName);
    const message = revoked
      ? `Revoked ${hostName}: its secret no longer works and it cannot enrol again.`
      : `No host named "${hostName}" that is not already revoked.`;
    await auditOnHub(store, { hostName, kind: "revoke", ok: revoked, message }, requesterOf(request));
    if (!revoked) return jsonError(404, message);
    return jsonOk({ revoked: hostName });
  } catch (error) {
    return errorResponse(error);
  }
}

/** POST /api/fleet/hosts/<host>/approve, /deny, /readmit. */
export async function hostDecision(request: Request, hostName: string, decision: HostDecision): Promise<Response> {
  if (!isHub()) return jsonError(404, NOT_A_HUB);
  try {
    const outcome = await decideOnHost(hostName, decision, requesterOf(request));
    return outcome.ok ? jsonOk({ host: hostName, [decision]: true, message: outcome.message }) : jsonError(404, outcome.message);
  } catch (error) {
    return errorResponse(error);
  }
}

/** The host secret of an agent's request, checked against the store: its host key, or the refusal. */
/** The host whose secret an agent's request carries, or the refusal to send. */
async function agentOf(request: Request, beforeBody = false): Promise<{ hostKey: string } | { response: Response }> {
  if (!isHub()) return { response: jsonError(404, NOT_A_HUB) };
  try {
    const store = await fleetStore();
    const secret = bearerOf(request);
    return { hostKey: beforeBody ? await hostBeforeBody(store, secret) : (await authenticateHost(store, secret)).key };
  } catch (error) {
    const tooMany = error instanceof FleetRefusal && error.status === 401 ? limited(request, "host-secret", "unknown host secrets") : null;
    return { response: tooMany ?? refusal(error) };
  }
}

/** GET /api/fleet/commands: an agent's long-poll for the commands waiting for it. */
export async function handleCommandPoll(request: Request): Promise<Response> {
  try {
    const agent = await agentOf(request);
    if ("response" in agent) return agent.response;
    return jsonOk({ commands: await pollCommands(await fleetStore(), agent.hostKey, request.signal) });
  } catch (error) {
    return errorResponse(error);
  }
}

/** POST /api/fleet/commands/<id>: an agent's answer to one command. */
export async function handleCommandResult(request: Request, id: string): Promise<Response> {
  try {
    const agent = await agentOf(request);
    if ("response" in agent) return agent.response;
    const body = await readJsonBody(request, { limit: 4 * 1024 * 1024 });
    if ("response" in body) return body.response;
    const parsed = commandResultSchema.safeParse(body.value);
    if (!parsed.success) return jsonError(400, `Bad command result: ${issues(parsed.error)}`);
    if (!(await completeCommand(await fleetStore(), agent.hostKey, id, parsed.data))) {
      return jsonError(409, "No command of this host with this id is waiting for an answer.");
    }
    return jsonOk({ ok: true });
  } catch (error) {
    return errorResponse(error);
  }
}

/** Who is asking, for the audit log: the proxy's verdict (operator: the token) and the peer address. */
export function requesterOf(request: Request): Requester {
  return { role: roleOf(request), address: addressOf(request) };
}

const stopBody = z.object({ force: z.boolean().default(false) }).strict();

/** POST /api/fleet/hosts/<host>/processes/<hash>/stop (`{"force": true}` kills), relaunch, DELETE. */
export async function fleetAction(
  request: Request,
  hostName: string,
  hash: string,
  kind: "stop" | "relaunch" | "delete",
): Promise<Response> {
  if (!isHub()) return jsonError(404, NOT_A_HUB);
  let args = {};
  if (kind === "stop") {
    const body = await readJsonBody(request, { optional: true });
    if ("response" in body) return body.response;
    const parsed = stopBody.safeParse(body.value);
    if (!parsed.success) return jsonError(400, `Bad request: ${issues(parsed.error)}`);
    args = parsed.data;
  }
  try {
    const outcome = await commandOnHost(hostName, hash, kind, args, requesterOf(request));
    if (!outcome.ok) return jsonError(409, outcome.message, { host: hostName, hash, command: kind, id: outcome.id, data: outcome.data });
    return jsonOk({ host: hostName, hash, command: kind, ...outcome });
  } catch (error) {
    return refusal(error);
  }
}

const outputQuery = z.object({
  offset: z.coerce.number().int().min(0).optional(),
  length: z.coerce
    .number()
    .int()
    .min(0)
    .max(1024 * 1024)
    .default(64 * 1024),
  follow: z.enum(["0", "1"]).optional(),
  download: z.enum(["0", "1"]).optional(),
  format: z.enum(["raw", "json"]).optional(),
  align: z.enum(["lines", "bytes"]).optional(),
});

/** A read of a remote record's output, through its agent: the answer, or the error response. */
async function readRemote(
  request: Request,
  hostName: string,
  hash: string,
  kind: "range" | "search" | "line",
  args: AgentCommand["args"],
): Promise<{ outcome: CommandOutcome } | { response: Response }> {
  const outcome = await commandOnHost(hostName, hash, kind, args, requesterOf(request));
  if (outcome.ok) return { outcome };
  const code = outcome.data.code;
  if (code === "SEARCHES_BUSY") return { response: jsonError(429, outcome.message, { code }, { "retry-after": "2" }) };
  return { response: jsonError(404, outcome.message, typeof code === "string" ? { code } : {}) };
}

/**
 * GET /api/fleet/hosts/<host>/processes/<hash>/output: the same query and answers as a
 * workstation's output route (a byte range, raw or `format=json`; `follow=1` as server-sent
 * events), read on the workstation by its agent. Downloads stay on the workstation.
 */
export async function fleetOutput(request: Request, hostName: string, hash: string): Promise<Response> {
  if (!isHub()) return jsonError(404, NOT_A_HUB);
  const parsed = outputQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) return jsonError(400, `Bad query: ${issues(parsed.error)}`);
  const query = parsed.data;
  if (query.download === "1") {
    return jsonError(400, "Whole-file downloads are not carried through the hub: download from the workstation's own dashboard.");
  }
  try {
    if (query.follow === "1") {
      // Checked once up front: an unknown host or record, or an offline one, is a plain error.
      const first = await readRemote(request, hostName, hash, "range", { offset: query.offset ?? 0, length: 0 });
      if ("response" in first) return first.response;
      const who = requesterOf(request);
      const stream = followRemote((offset, length) => commandOnHost(hostName, hash, "range", { offset, length }, who), {
        from: query.offset,
        signal: request.signal,
      });
      return new Response(stream, {
        headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
      });
    }
    const read = await readRemote(request, hostName, hash, "range", { offset: query.offset, length: query.length, align: query.align });
    if ("response" in read) return read.response;
    const data = read.outcome.data as { start: number; end: number; size: number; inode: number; base64: string };
    const bytes = Buffer.from(data.base64, "base64");
    if (query.format === "json") {
      return jsonOk({ start: data.start, end: data.end, size: data.size, inode: data.inode, text: new TextDecoder().decode(bytes) });
    }
    return new Response(new Uint8Array(bytes), {
      headers: {
        "content-type": "application/octet-stream",
        "content-range": `bytes ${data.start}-${Math.max(data.start, data.end - 1)}/${data.size}`,
        "x-output-start": String(data.start),
        "x-output-end": String(data.end),
        "x-output-size": String(data.size),
        "cache-control": "no-store",
      },
    });
  } catch (error) {
    return refusal(error);
  }
}

const searchQuery = z.object({
  q: z.string().min(1, "q is required").max(1000, "q is longer than 1000 characters"),
  from: z.coerce.number().int().min(0).default(0),
  dir: z.enum(["next", "prev"]).default("next"),
  count: z.enum(["0", "1"]).optional(),
});

/** GET …/output/search: the workstation's search, run there by the agent. */
export async function fleetOutputSearch(request: Request, hostName: string, hash: string): Promise<Response> {
  if (!isHub()) return jsonError(404, NOT_A_HUB);
  const parsed = searchQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) return jsonError(400, parsed.error.issues.map((i) => i.message).join("; "));
  try {
    const { q, from, dir, count } = parsed.data;
    const read = await readRemote(request, hostName, hash, "search", { q, from, dir, count: count === "1" });
    return "response" in read ? read.response : jsonOk(read.outcome.data);
  } catch (error) {
    return refusal(error);
  }
}

/** GET …/output/line: the line number at a byte offset, counted on the workstation. */
export async function fleetOutputLine(request: Request, hostName: string, hash: string): Promise<Response> {
  if (!isHub()) return jsonError(404, NOT_A_HUB);
  const offset = Number(new URL(request.url).searchParams.get("offset"));
  if (!Number.isInteger(offset) || offset < 0) return jsonError(400, "offset must be a byte offset (a whole number, 0 or more).");
  try {
    const read = await readRemote(request, hostName, hash, "line", { offset });
    return "response" in read ? read.response : jsonOk(read.outcome.data);
  } catch (error) {
    return refusal(error);
  }
}

/** GET /api/fleet/audit: every action through the hub, newest first. */
export async function auditJson(request: Request): Promise<Response> {
  if (!isHub()) return jsonError(404, NOT_A_HUB);
  const parsed = z
    .object({ limit: z.coerce.number().int().min(1).max(1000).default(100), offset: z.coerce.number().int().min(0).default(0) })
    .safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) return jsonError(400, `Bad query: ${issues(parsed.error)}`);
  try {
    return jsonOk(await auditLog(await fleetStore(), parsed.data));
  } catch (error) {
    return errorResponse(error);
  }
}
