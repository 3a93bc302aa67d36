import { z } from "zod";
import {
  COMMAND_POLL_SECONDS,
  commandsAnswerSchema,
  enrollAnswerSchema,
  PROTOCOL_VERSION,
  reportAnswerSchema,
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

/** The hub's refusal as the agent acts on it: the message and code the hub sent, else `otherwise`. */
export function refusalOf(status: number, body: Record<string, unknown>, otherwise: string): HubError {
  return new HubError(
    typeof body.error === "string" ? body.error : otherwise,
    status,
    typeof body.code === "string" ? body.code : null,
    body,
  );
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

/** `code` of a HubError for a 2xx answer that is not what the hub sends (a proxy's page, a cut body). */
export const BAD_ANSWER = "BAD_ANSWER";

/**
 * One request to the hub; its answer checked against `schema` before anyone uses it: a proxy in
 * front of the hub may answer 200 with a maintenance page, and trusting that would lose state.
 */
async function post<T>(
  url: string,
  bearer: string,
  body: unknown,
  timeoutMs: number,
  schema: z.ZodType<T>,
  signal?: AbortSignal,
): Promise<T> {
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
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new HubError(`The hub's answer was cut off: ${(error as Error).message}`, response.status, BAD_ANSWER);
  }
  let value: unknown = undefined;
  try {
    value = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: a proxy's error page */
  }
  const fields = value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  if (!response.ok) throw refusalOf(response.status, fields, `HTTP ${response.status} ${snippet(text)}`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const what =
      value === undefined
        ? `${response.headers.get("content-type") ?? "no content type"}, not JSON: ${snippet(text) || "(empty)"}`
        : `JSON that is not the hub's answer (${parsed.error.issues[0]?.path.join(".") || "body"}: ${parsed.error.issues[0]?.message})`;
    throw new HubError(
      `The hub's address answered HTTP ${response.status} with ${what}. A proxy in front of the hub?`,
      response.status,
      BAD_ANSWER,
    );
  }
  return parsed.data;
}

function snippet(text: string): string {
  // A proxy's page says what it is in its text, not its markup.
  return text
    .replace(/<(script|style)[^]*?<\/\1>|<[^>]*>/gi, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 120);
}

/**
 * PROCESS_MONITOR_HUB_URL: the hub's address, or the addresses of several instances of one hub
 * (one PostgreSQL store behind them), separated by commas or spaces, each checked as hubBaseUrl.
 */
export function hubBaseUrls(value: string, insecure?: boolean): string[] {
  const list = [
    ...new Set(
      value
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((v) => hubBaseUrl(v, insecure)),
    ),
  ];
  if (list.length === 0) throw new Error(`${HUB_URL_ENV} is empty (expected https://hub.example:3000).`);
  return list;
}

/** A failure that says this address is not serving now (down, or a proxy without a hub behind it, or a full hub): another instance may be. */
function elsewhere(error: unknown): boolean {
  if (!(error instanceof HubError)) return false;
  if (error.status === null) return true;
  return error.code === "BUSY" || (error.code === null && [502, 503, 504].includes(error.status));
}

export class HubClient {
  readonly bases: string[];
  private current = 0;

  constructor(
    bases: string | string[],
    private readonly timeoutMs = 30_000,
    /** Told when requests go to another of the hub's addresses from now on. */
    private readonly onMove: (from: string, to: string) => void = () => undefined,
  ) {
    this.bases = typeof bases === "string" ? [bases] : bases;
  }

  /** The address the fleet's credentials and report state are kept under: the first listed (one hub, whichever instance answers). */
  get home(): string {
    return this.bases[0]!;
  }

  /** The address requests go to now. */
  get base(): string {
    return this.bases[this.current]!;
  }

  /** This address did not serve: the next one listed is asked from now on (the caller's backoff paces the tries). */
  moveOn(): void {
    if (this.bases.length < 2) return;
    const from = this.base;
    this.current = (this.current + 1) % this.bases.length;
    this.onMove(from, this.base);
  }

  private async call<T>(request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (error) {
      if (elsewhere(error)) this.moveOn();
      throw error;
    }
  }

  enroll(
    fleetKey: string,
    identity: { hostId: string; machineId: string; hostname: string; currentSecret?: string },
  ): Promise<EnrollAnswer> {
    return this.call(
      post(`${this.base}/api/fleet/enroll`, fleetKey, { protocol: PROTOCOL_VERSION, ...identity }, this.timeoutMs, enrollAnswerSchema),
    );
  }

  report(secret: string, report: Report): Promise<ReportAnswer> {
    return this.call(post(`${this.base}/api/fleet/report`, secret, report, this.timeoutMs, reportAnswerSchema));
  }

  /** Waits (long-poll) for the commands the hub has for this host. */
  async commands(secret: string, instance: string, signal: AbortSignal): Promise<AgentCommand[]> {
    const url = `${this.base}/api/fleet/commands?instance=${encodeURIComponent(instance)}`;
    const answer = await this.call(post(url, secret, undefined, (COMMAND_POLL_SECONDS + 15) * 1000, commandsAnswerSchema, signal));
    return answer.commands;
  }

  answer(secret: string, id: string, result: CommandResult): Promise<unknown> {
    return this.call(post(`${this.base}/api/fleet/commands/${encodeURIComponent(id)}`, secret, result, this.timeoutMs, z.unknown()));
  }
}
