import {
  COMMAND_POLL_SECONDS,
  PROTOCOL_VERSION,
  type AgentCommand,
  type CommandResult,
  type EnrollAnswer,
  type Report,
  type ReportAnswer,
} from "../protocol";

export const HUB_URL_ENV = "PROCESS_MONITOR_HUB_URL";
export const HUB_KEY_ENV = "PROCESS_MONITOR_HUB_KEY";

/** A refusal or failure talking to the hub; `code` is the hub's when it answered. */
export class HubError extends Error {
  override name = "HubError";
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string | null,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * The hub's base URL, checked: a host secret must not cross a network in clear, so plain
 * http:// is refused unless the hub is on this machine or PROCESS_MONITOR_HUB_INSECURE=1.
 */
export function hubBaseUrl(value: string, insecure = process.env.PROCESS_MONITOR_HUB_INSECURE === "1"): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${HUB_URL_ENV} is not a URL: ${JSON.stringify(value)} (expected https://hub.example:3000).`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`${HUB_URL_ENV} must be an https:// URL.`);
  if (url.protocol === "http:" && !LOOPBACK_HOSTS.test(url.hostname) && !insecure) {
    throw new Error(
      `${HUB_URL_ENV} is plain http:// to ${url.host}: the host secret would cross the network in clear. Use https:// (the hub serves it with PROCESS_MONITOR_TLS_CERT and PROCESS_MONITOR_TLS_KEY), or set PROCESS_MONITOR_HUB_INSECURE=1 on a trusted network.`,
    );
  }
  return url.origin + url.pathname.replace(/\/+$/, "");
}

async function post<T>(url: string, bearer: string, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<T> {
  let response: Response;
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    response = await fetch(url, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new HubError(`Cannot reach the hub: ${cause?.code ?? cause?.message ?? (error as Error).message}`, null, null);
  }
  const text = await response.text();
  let value: Record<string, unknown> = {};
  try {
    value = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    /* not JSON: a proxy's error page */
  }
  if (!response.ok) {
    const message = typeof value.error === "string" ? value.error : `HTTP ${response.status} ${text.slice(0, 200)}`;
    throw new HubError(message, response.status, typeof value.code === "string" ? value.code : null, value);
  }
  return value as T;
}

export class HubClient {
  constructor(
    readonly base: string,
    private readonly timeoutMs = 30_000,
  ) {}

  enroll(fleetKey: string, identity: { hostId: string; machineId: string; hostname: string }): Promise<EnrollAnswer> {
    return post(`${this.base}/api/fleet/enroll`, fleetKey, { protocol: PROTOCOL_VERSION, ...identity }, this.timeoutMs);
  }

  report(secret: string, report: Report): Promise<ReportAnswer> {
    return post(`${this.base}/api/fleet/report`, secret, report, this.timeoutMs);
  }

  /** Waits (long-poll) for the commands the hub has for this host. */
  async commands(secret: string, signal: AbortSignal): Promise<AgentCommand[]> {
    const answer = await post<{ commands: AgentCommand[] }>(
      `${this.base}/api/fleet/commands`,
      secret,
      undefined,
      (COMMAND_POLL_SECONDS + 15) * 1000,
      signal,
    );
    return answer.commands ?? [];
  }

  answer(secret: string, id: string, result: CommandResult): Promise<unknown> {
    return post(`${this.base}/api/fleet/commands/${encodeURIComponent(id)}`, secret, result, this.timeoutMs);
  }
}
