import "server-only";
import { resolveFleetKey } from "../auth/token-file.js";
import { enroll, revokeHost } from "../fleet/hub/enroll";
import { FleetRefusal } from "../fleet/hub/errors";
import { ingest } from "../fleet/hub/ingest";
import { bearerOf, hostKeyOf, keyMatches } from "../fleet/hub/secrets";
import { fleetProcesses, isHub, NOT_A_HUB } from "../fleet/hub/server";
import type { FleetHostInfo } from "../fleet/hub/snapshot";
import { enrollRequestSchema, MAX_REPORT_BYTES, PROTOCOL_VERSION, reportSchema } from "../fleet/protocol";
import { fleetStore } from "../fleet/store";
import type { FleetQuery } from "../processes/remote";
import { readJsonBody } from "./body";
import { errorResponse, jsonError, jsonOk } from "./respond";

/** The peer's address as scripts/serve.js set it from the socket. */
function addressOf(request: Request): string | null {
  return request.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || null;
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
  const hostKey = hostKeyOf(secret);
  if (!secret || !hostKey) {
    return jsonError(401, "Send the host secret this hub gave at enrolment as Authorization: Bearer <secret>.", { code: "UNKNOWN_HOST" });
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
    const response = jsonOk(await ingest(await fleetStore(), hostKey, secret, parsed.data, addressOf(request)));
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

export async function listFleetProcesses(query: FleetQuery): Promise<Response> {
  if (!isHub()) return jsonError(404, NOT_A_HUB);
  try {
    const fleet = fleetProcesses({ fresh: true });
    if (query.host && !(await fleet.host(query.host))) return jsonError(404, `No host named "${query.host}" in this fleet.`);
    const list = await fleet.list(query);
    return jsonOk({
      total: list.total,
      limit: query.limit,
      offset: query.offset,
      processes: await fleet.json(list.items),
    });
  } catch (error) {
    return errorResponse(error);
  }
}

export async function fleetProcessJson(hostName: string, hash: string): Promise<Response> {
  if (!isHub()) return jsonError(404, NOT_A_HUB);
  try {
    const fleet = fleetProcesses({ fresh: true });
    if (!(await fleet.host(hostName))) return jsonError(404, `No host named "${hostName}" in this fleet.`);
    const detail = await fleet.detail(hostName, hash);
    if (!detail) return jsonError(404, `Host ${hostName} has reported no record with hash "${hash}".`);
    return jsonOk(detail.record);
  } catch (error) {
    return errorResponse(error);
  }
}

/** POST /api/fleet/hosts/<host>/revoke: the host's secret stops working; it cannot enrol again. */
export async function revoke(hostName: string): Promise<Response> {
  if (!isHub()) return jsonError(404, NOT_A_HUB);
  try {
    if (!(await revokeHost(await fleetStore(), hostName))) {
      return jsonError(404, `No host named "${hostName}" that is not already revoked.`);
    }
    return jsonOk({ revoked: hostName });
  } catch (error) {
    return errorResponse(error);
  }
}
