import crypto from "node:crypto";
import WebSocket from "ws";
import { keepAlive } from "../heartbeat";
import {
  CHANNEL_PATH,
  hubMessageSchema,
  reportAnswerSchema,
  type AgentCommand,
  type AgentMessage,
  type CommandResult,
  type Report,
  type ReportAnswer,
} from "../protocol";
import { BAD_ANSWER, HubError, refusalOf } from "./hub-client";

/** After the hub's address refused an upgrade (a proxy that does not pass WebSockets): HTTP for this long. */
const HTTP_FOR_MS = 10 * 60_000;
/** After a socket could not be opened otherwise (the hub down, a hang): HTTP for this long, doubling. */
const RETRY_MS = 15_000;
const OPEN_TIMEOUT_MS = 5_000;
const ANSWER_TIMEOUT_MS = 30_000;

/** The socket is not there to use (refused, lost): the caller sends over HTTP instead. */
export class ChannelUnavailable extends Error {}

/**
 * The agent's end of the channel (SPEC "The agents' channel"): one WebSocket to the hub, opened
 * with the host secret, carrying reports (answered as the HTTP route would: status and body) and
 * commands pushed by the hub with their results. When the hub's address refuses the upgrade, the
 * agent says so once and reports over HTTP, trying the socket again later.
 */
export class HubChannel {
  private socket: WebSocket | null = null;
  private secret: string | null = null;
  private opening: Promise<WebSocket> | null = null;
  private httpUntil = 0;
  private openFailures = 0;
  /** Whether the wait for the socket is a proxy's refusal (kept), or a connection that failed (ended when the hub is back). */
  private refusedByProxy = false;
  private readonly waiting = new Map<
    string,
    { resolve: (m: { status: number; body: Record<string, unknown> }) => void; reject: (e: Error) => void }
  >();
  private closedWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(
    /** The hub's address to connect to now (the agent's client moves between a hub's addresses). */
    private readonly base: () => string,
    private readonly onCommand: (command: AgentCommand) => Promise<CommandResult>,
    private readonly log: (line: string) => void,
    /** Watches a record's output for the hub: `changed` on each write; resolves to the stop. */
    private readonly onWatch: (hash: string, changed: () => void) => Promise<() => void> = async () => () => undefined,
    /** Answers a command whose socket closed while it ran (over HTTP). */
    private readonly answerElsewhere: (id: string, result: CommandResult) => Promise<void> = async () => undefined,
  ) {}

  /** Whether reports and commands travel on the socket now. */
  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Resolves when the socket closes (at once when there is none). */
  closed(): Promise<void> {
    if (!this.connected) return Promise.resolve();
    return new Promise((resolve) => this.closedWaiters.push(resolve));
  }

  /** The hub answers again after an outage: the socket is tried on the next report, unless a proxy refuses it. */
  hubBack(): void {
    if (this.refusedByProxy) return;
    this.httpUntil = 0;
    this.openFailures = 0;
  }

  stop(): void {
    this.stopped = true;
    this.socket?.close(1000, "agent stopping");
  }

  /** Sends a report on the socket; HubError for a refusal, ChannelUnavailable to send it over HTTP. */
  async report(secret: string, report: Report): Promise<ReportAnswer> {
    const socket = await this.open(secret);
    const id = crypto.randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      timer = setTimeout(() => reject(new ChannelUnavailable("the hub did not answer the report on its socket")), ANSWER_TIMEOUT_MS);
      timer.unref();
    });
    socket.send(JSON.stringify({ type: "report", id, report } satisfies AgentMessage));
    const { status, body } = await answered.finally(() => {
      clearTimeout(timer);
      this.waiting.delete(id);
    });
    if (status !== 200) throw refusalOf(status, body, `HTTP ${status}`);
    const parsed = reportAnswerSchema.safeParse(body);
    if (!parsed.success) throw new HubError("The hub's answer on its socket is not a report's answer.", status, BAD_ANSWER);
    return parsed.data;
  }

  /** The open socket for this secret, opening it when needed. */
  private open(secret: string): Promise<WebSocket> {
    if (this.stopped || Date.now() < this.httpUntil) return Promise.reject(new ChannelUnavailable("reporting over HTTP"));
    if (this.socket && this.secret === secret && this.socket.readyState === WebSocket.OPEN) return Promise.resolve(this.socket);
    if (this.secret !== secret) this.socket?.close(1000, "a new secret");
    this.opening ??= this.connect(secret).finally(() => (this.opening = null));
    return this.opening;
  }

  private connect(secret: string): Promise<WebSocket> {
    const url = `${this.base().replace(/^http/, "ws")}${CHANNEL_PATH}`;
    return new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(url, {
        headers: { authorization: `Bearer ${secret}` },
        handshakeTimeout: OPEN_TIMEOUT_MS,
        maxPayload: 64 * 1024 * 1024,
      });
      // The hub's address answered HTTP instead of switching protocols: said by its status.
      let refused = false;
      socket.once("unexpected-response", (_request, response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text = (text + chunk).slice(0, 64 * 1024)));
        response.on("end", () => {
          refused = true;
          socket.terminate();
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            /* a proxy's page */
          }
          const status = response.statusCode ?? 0;
          // The hub's own refusal of this secret: handled like the report route's.
          if (typeof body.code === "string" && [401, 403, 429, 503].includes(status))
            return reject(refusalOf(status, body, `HTTP ${status}`));
          this.httpUntil = Date.now() + HTTP_FOR_MS;
          this.refusedByProxy = true;
          this.log(
            `the hub's address refused a WebSocket (HTTP ${status}); reporting over HTTP, the socket is tried again in ${HTTP_FOR_MS / 60_000} min`,
          );
          reject(new ChannelUnavailable(`upgrade refused (HTTP ${status})`));
        });
      });
      const failed = (error: Error) => {
        if (refused) return;
        // A hub that is down refuses HTTP as well: the report's own backoff applies, and the
        // socket is the first thing tried when it is back. A socket that hangs or breaks while
        // HTTP may work must not hold every report back: HTTP meanwhile, the socket again later.
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== "ECONNREFUSED" && code !== "ENOTFOUND" && code !== "EHOSTUNREACH") {
          this.openFailures += 1;
          this.httpUntil = Math.max(this.httpUntil, Date.now() + Math.min(HTTP_FOR_MS, RETRY_MS * 2 ** (this.openFailures - 1)));
        }
        reject(new ChannelUnavailable(error.message));
      };
      socket.on("error", failed);
      socket.once("open", () => {
        socket.off("error", failed);
        this.openFailures = 0;
        this.refusedByProxy = false;
        this.socket = socket;
        this.secret = secret;
        this.watch(socket);
        this.log("connected to the hub over a WebSocket");
        resolve(socket);
      });
    });
  }

  private watch(socket: WebSocket): void {
    const stopHeartbeat = keepAlive(socket);
    // The outputs the hub watches through this socket: watch id -> its stop (a promise while it starts).
    const watching = new Map<string, Promise<() => void>>();
    const unwatch = (id: string) => {
      void watching.get(id)?.then((stop) => stop());
      watching.delete(id);
    };
    socket.on("message", (data) => {
      let message;
      try {
        message = hubMessageSchema.parse(JSON.parse(data.toString()));
      } catch {
        return;
      }
      if (message.type === "report-answer") return this.waiting.get(message.id)?.resolve(message);
      if (message.type === "watch") {
        const { id } = message;
        const changed = () => {
          if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "changed", id } satisfies AgentMessage));
        };
        watching.set(
          id,
          this.onWatch(message.hash, changed).catch(() => () => undefined),
        );
        return;
      }
      if (message.type === "unwatch") return unwatch(message.id);
      const { command } = message;
      if (message.ack) socket.send(JSON.stringify({ type: "took", id: command.id } satisfies AgentMessage));
      void this.onCommand(command).then((result) => {
        if (socket.readyState === WebSocket.OPEN)
          socket.send(JSON.stringify({ type: "result", id: command.id, result } satisfies AgentMessage));
        // Taken, so the hub waits for this answer: it goes the other way.
        else void this.answerElsewhere(command.id, result).catch(() => undefined);
      });
    });
    socket.on("error", () => socket.terminate());
    socket.on("close", () => {
      stopHeartbeat();
      for (const id of [...watching.keys()]) unwatch(id);
      if (this.socket === socket) this.socket = null;
      for (const { reject } of this.waiting.values()) reject(new ChannelUnavailable("the socket closed"));
      this.waiting.clear();
      for (const resolve of this.closedWaiters.splice(0)) resolve();
      if (!this.stopped) this.log("the hub's WebSocket closed");
    });
  }
}
