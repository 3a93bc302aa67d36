import "server-only";
// The fleet's HTTP adapters: each parses the request, calls the fleet's door and responds; the
// rules are the door's (lib/fleet/hub/fleet.ts), the statuses respond.ts's.
import { z } from "zod";
import { wrongCredential } from "../auth/rate-limit";
import { roleOf } from "../auth/role";
import type { Role } from "../auth/session";
import { resolveFleetKey } from "../auth/token-file.js";
import { CodedError } from "../errors";
import type { Requester } from "../fleet/hub/commands";
import { refusalCode, type HostDecision } from "../fleet/hub/fleet";
import { remoteOutput } from "../fleet/hub/output";
import type { FleetQuery } from "../fleet/hub/records";
import { bearerOf, hostKeyOf, keyMatches } from "../fleet/hub/secrets";
import { fleet, isHub, NOT_A_HUB } from "../fleet/hub/server";
import type { FleetHostInfo } from "../fleet/hub/snapshot";
import {
  commandResultSchema,
  enrollRequestSchema,
  MAX_COMMAND_RESULT_BYTES,
  MAX_REPORT_BYTES,
  PROTOCOL_VERSION,
  parseReport,
  type Report,
} from "../fleet/protocol";
import { observeReport } from "../metrics/instruments";
import { readJsonBody } from "./body";
import { lineResponse, outputResponse, searchResponse, type OutputTarget } from "./output";
import { forRole, launchBodySchema } from "./processes";
import { refusalText, ValidationError } from "../validation/errors";
import { fieldErrors } from "../validation/launch";
import { codedAnswer, codedResponse, errorResponse, jsonOk, responseOf, type CodedAnswer } from "./respond";
import { peerAddress } from "../http/headers";

/** The peer's address as scripts/serve.js set it from the socket. */
function addressOf(request: Request): string | null {
  return peerAddress(request.headers.get("x-forwarded-for"));
}

/** Who is asking, for the audit log: the proxy's verdict (operator: the token) and the peer address. */
export function requesterOf(request: Request): Requester {
  return { role: roleOf(request), address: addressOf(request) };
}

/**
 * A wrong agent credential from this address: counted (rate-limit.ts), and past the limit the
 * 429 to send instead of the usual refusal; null while under it. The socket's upgrade asks too.
 */
export function limitedAnswer(address: string | null, kind: "fleet-key" | "host-secret", what: string): CodedAnswer | null {
  const wait = wrongCredential(address ?? "unknown", kind);
  if (wait === 0) return null;
  return codedAnswer("TOO_MANY", `Too many ${what} from this address; try again in ${wait} s.`, {}, { "retry-after": String(wait) });
}

function limited(request: Request, kind: "fleet-key" | "host-secret", what: string): Response | null {
  const answer = limitedAnswer(addressOf(request), kind, what);
  return answer && responseOf(answer);
}

/** Runs a hub handler: a 404 on a server that is not a hub, errors mapped by respond.ts. */
async function onHub(handle: () => Promise<Response>): Promise<Response> {
  if (!isHub()) return codedResponse("NOT_FOUND", NOT_A_HUB);
  try {
    return await handle();
  } catch (error) {
    return errorResponse(error);
  }
}

/** POST /api/fleet/enroll: `Authorization: Bearer <fleet key>`, body {protocol, hostId, machineId, hostname}. */
export async function handleEnroll(request: Request): Promise<Response> {
  return onHub(async () => {
    const given = bearerOf(request);
    if (!given || !keyMatches(given, resolveFleetKey().token)) {
      return (
        limited(request, "fleet-key", "wrong fleet keys") ??
        codedResponse(
          "WRONG_KEY",
          "Wrong fleet key: set PROCESS_MONITOR_HUB_KEY to the key the hub printed at start (or its fleet-key file).",
        )
      );
    }
    const body = await readJsonBody(request);
    if ("response" in body) return body.response;
    const parsed = enrollRequestSchema.safeParse(body.value);
    if (!parsed.success) return codedResponse("INVALID", refusalText("Bad enrolment", parsed.error));
    return jsonOk(await fleet().enroll(parsed.data, addressOf(request)));
  });
}

/** The host key of an agent's request (its bearer host secret, checked), or the refusal to send. */
async function agentOf(request: Request, beforeBody = false): Promise<{ hostKey: string } | { response: Response }> {
  try {
    return { hostKey: await fleet().agent(bearerOf(request), { beforeBody }) };
  } catch (error) {
    const unknown = error instanceof CodedError && error.code === "UNKNOWN_HOST";
    return { response: (unknown ? limited(request, "host-secret", "unknown host secrets") : null) ?? errorResponse(error) };
  }
}

/** A report's body checked (the HTTP route's and the socket's): the report, or a coded refusal. */
export function checkedReport(value: unknown): Report {
  const parsed = parseReport(value);
  if (!parsed.success) throw new CodedError("INVALID", refusalText("Bad report", parsed.error));
  if (parsed.data.protocol > PROTOCOL_VERSION)
    throw new CodedError("PROTOCOL", `This hub speaks report protocol ${PROTOCOL_VERSION}; upgrade the hub.`);
  return parsed.data;
}

/** POST /api/fleet/report: `Authorization: Bearer <host secret>`, body a report (lib/fleet/protocol.ts). */
export async function handleReport(request: Request): Promise<Response> {
  return onHub(async () => {
    const secret = bearerOf(request);
    if (!secret || !hostKeyOf(secret)) {
      return codedResponse("UNKNOWN_HOST", "Send the host secret this hub gave at enrolment as Authorization: Bearer <secret>.");
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
    const started = performance.now();
    const response = jsonOk(await observeReport("http", async () => fleet().report(secret, checkedReport(body.value), addressOf(request))));
    // The time the hub spent storing it, apart from waiting in line (bench fleet reads it).
    response.headers.set("server-timing", `ingest;dur=${(performance.now() - started).toFixed(1)}`);
    return response;
  });
}

/** GET /api/fleet/commands: an agent's long-poll for the commands waiting for it. */
export async function handleCommandPoll(request: Request): Promise<Response> {
  return onHub(async () => {
    const agent = await agentOf(request);
    if ("response" in agent) return agent.response;
    const instance = new URL(request.url).searchParams.get("instance")?.slice(0, 64) || undefined;
    return jsonOk({ commands: await fleet().commandsFor(agent.hostKey, request.signal, undefined, instance) });
  });
}

/** POST /api/fleet/commands/<id>: an agent's answer to one command. */
export async function handleCommandResult(request: Request, id: string): Promise<Response> {
  return onHub(async () => {
    const agent = await agentOf(request);
    if ("response" in agent) return agent.response;
    const body = await readJsonBody(request, { limit: MAX_COMMAND_RESULT_BYTES });
    if ("response" in body) return body.response;
    const parsed = commandResultSchema.safeParse(body.value);
    if (!parsed.success) return codedResponse("INVALID", refusalText("Bad command result", parsed.error));
    await fleet().answer(agent.hostKey, id, parsed.data);
    return jsonOk({ ok: true });
  });
}

/** A host as `GET /api/fleet/hosts` lists it (SPEC fields first). */
export function hostJson(host: FleetHostInfo) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    name: host.name,
    id: host.id,
    hostname: host.hostname,
    status: host.status,
    lastSeen: iso(host.lastSeen),
    running: host.running,
    total: host.total,
    crashes24h: host.crashes24h,
    enrolledAt: iso(host.enrolledAt),
    reportSeconds: host.intervalSeconds,
    address: host.address,
    facts: host.facts,
    /** Whether its workstation takes launches from the hub (PROCESS_MONITOR_ALLOW_REMOTE_LAUNCH=1 there). */
    remoteLaunch: host.remoteLaunch,
    sharesIdWith: host.sharesIdWith,
    revoked: host.revoked,
    pending: host.pending ? { since: iso(host.pending.since), address: host.pending.address } : null,
    sharedSecretAt: iso(host.sharedSecretAt),
  };
}

/** GET /api/fleet/hosts. */
export async function listHosts(): Promise<Response> {
  return onHub(async () => jsonOk({ hosts: (await fleet().processes({ fresh: true }).hosts()).map(hostJson) }));
}

/** GET /api/fleet/processes: the fleet's records, filtered, sorted and paged like a workstation's. */
export async function listFleetProcesses(query: FleetQuery, role: Role = "operator"): Promise<Response> {
  return onHub(async () => {
    const records = fleet().processes({ fresh: true });
    if (query.host) await records.hostNamed(query.host);
    const list = await records.list(query);
    return jsonOk({
      total: list.total,
      limit: query.limit,
      offset: query.offset,
      processes: (await records.json(list.items)).map((record) => forRole(record, role)),
    });
  });
}

/** GET /api/fleet/hosts/<host>/processes/<hash>. */
export async function fleetProcessJson(hostName: string, hash: string, role: Role = "operator"): Promise<Response> {
  return onHub(async () => jsonOk(forRole((await fleet().processes({ fresh: true }).record(hostName, hash)).record, role)));
}

/** POST /api/fleet/hosts/<host>/revoke: the host's secret stops working; it cannot enrol again. */
export async function revoke(request: Request, hostName: string): Promise<Response> {
  return onHub(async () => {
    await fleet().revoke(hostName, requesterOf(request));
    return jsonOk({ revoked: hostName });
  });
}

/** POST /api/fleet/hosts/<host>/approve, /deny, /readmit. */
export async function hostDecision(request: Request, hostName: string, decision: HostDecision): Promise<Response> {
  return onHub(async () => {
    const outcome = await fleet().decide(hostName, decision, requesterOf(request));
    return outcome.ok
      ? jsonOk({ host: hostName, [decision]: true, message: outcome.message })
      : codedResponse("NOT_FOUND", outcome.message);
  });
}

const stopBody = z.object({ force: z.boolean().default(false) }).strict();

/** POST /api/fleet/hosts/<host>/processes/<hash>/stop (`{"force": true}` kills), relaunch, DELETE. */
export async function fleetAction(
  request: Request,
  hostName: string,
  hash: string,
  kind: "stop" | "relaunch" | "delete",
): Promise<Response> {
  return onHub(async () => {
    let args = {};
    if (kind === "stop") {
      const body = await readJsonBody(request, { optional: true });
      if ("response" in body) return body.response;
      const parsed = stopBody.safeParse(body.value);
      if (!parsed.success) return codedResponse("INVALID", refusalText("Bad request", parsed.error));
      args = parsed.data;
    }
    const outcome = await fleet().command(hostName, hash, kind, args, requesterOf(request));
    // Carried out and refused there (the record's process is another user's, gone, …): the workstation's word and code.
    if (!outcome.ok) {
      const code = refusalCode(outcome.data.code, "COMMAND_FAILED");
      return codedResponse(code, outcome.message, { host: hostName, hash, command: kind, id: outcome.id, data: outcome.data });
    }
    return jsonOk({ host: hostName, hash, command: kind, ...outcome });
  });
}

/**
 * POST /api/fleet/hosts/<host>/launch: the same body as POST /api/processes, run on that
 * workstation by its agent where it allows launches from the hub (403 LAUNCH_NOT_ALLOWED else).
 */
export async function fleetLaunch(request: Request, hostName: string): Promise<Response> {
  return onHub(async () => {
    const body = await readJsonBody(request);
    if ("response" in body) return body.response;
    const parsed = launchBodySchema.safeParse(body.value);
    if (!parsed.success) throw new ValidationError(fieldErrors(parsed.error));
    const launched = await fleet().launch(hostName, parsed.data, requesterOf(request));
    return jsonOk({ host: hostName, ...launched }, 201);
  });
}

/** A remote record's output, as the output routes read it (lib/api/output.ts). */
function remote(request: Request, hostName: string, hash: string): () => Promise<OutputTarget> {
  return async () => ({ source: remoteOutput(fleet(), hostName, hash, requesterOf(request)) });
}

/**
 * GET /api/fleet/hosts/<host>/processes/<hash>/output: the same query and answers as a
 * workstation's output route, read on the workstation by its agent. Downloads stay there.
 */
export async function fleetOutput(request: Request, hostName: string, hash: string): Promise<Response> {
  return onHub(() => outputResponse(request, remote(request, hostName, hash)));
}

/** GET …/output/search: the workstation's search, run there by the agent. */
export async function fleetOutputSearch(request: Request, hostName: string, hash: string): Promise<Response> {
  return onHub(() => searchResponse(request, remote(request, hostName, hash)));
}

/** GET …/output/line: the line number at a byte offset, counted on the workstation. */
export async function fleetOutputLine(request: Request, hostName: string, hash: string): Promise<Response> {
  return onHub(() => lineResponse(request, remote(request, hostName, hash)));
}

/** GET /api/fleet/hosts/<host>/processes/<hash>/usage: its tree's CPU and memory now, read on the workstation (the chart's poll). */
export async function fleetUsage(request: Request, hostName: string, hash: string): Promise<Response> {
  return onHub(async () => jsonOk(await fleet().usage(hostName, hash, requesterOf(request))));
}

const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** GET /api/fleet/audit: every action through the hub, newest first. */
export async function auditJson(request: Request): Promise<Response> {
  return onHub(async () => {
    const parsed = auditQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!parsed.success) return codedResponse("INVALID", refusalText("Bad query", parsed.error));
    return jsonOk(await fleet().audit(parsed.data));
  });
}
