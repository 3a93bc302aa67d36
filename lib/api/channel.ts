import "server-only";
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { CodedError } from "../errors";
import { fleet, isHub } from "../fleet/hub/server";
import { agentMessageSchema, CHANNEL_PATH, commandResultSchema, MAX_REPORT_BYTES, type HubMessage } from "../fleet/protocol";
import { shared } from "../config/shared";
import { instruments, observeReport } from "../metrics/instruments";
import { RateBucket, SOCKET_RATES } from "../fleet/hub/rates";
import { keepAlive } from "../fleet/heartbeat";
import { bearerToken, peerAddress } from "../http/headers";
import { checkedReport, limitedAnswer } from "./fleet";
import { codedAnswer, errorAnswer, type CodedAnswer } from "./respond";

// The agents' channel on the hub (SPEC "The agents' channel"): one WebSocket per agent on the
// hub's own port, authenticated by the host secret at the upgrade, before anything is read from
// the socket. Reports and command results come in, commands go out, through the same door as the
// HTTP routes (fleet().report, fleet().commandsFor, fleet().answer): the same guarantees.

const server = () => shared("agent-socket-server", () => new WebSocketServer({ noServer: true, maxPayload: MAX_REPORT_BYTES + 64 * 1024 }));

/** Refuses an upgrade with an HTTP answer the agent reads like the report route's (status, JSON body). */
function refuse(socket: Duplex, { status, body, headers }: CodedAnswer): void {
  const text = JSON.stringify(body);
  const lines = Object.entries({
    ...headers,
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    connection: "close",
  })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Refused"}\r\n${lines}\r\n${text}`);
}

/** scripts/serve.js hands every upgrade request here (lib/http/upgrade.js) on a hub. */
export function fleetUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on("error", () => socket.destroy());
  const address = peerAddress(req.headers["x-forwarded-for"]);
  if (!isHub() || new URL(req.url ?? "/", "http://hub").pathname !== CHANNEL_PATH) {
    return refuse(socket, codedAnswer("NOT_FOUND", "No WebSocket here."));
  }
  const secret = bearerToken(req.headers.authorization);
  fleet()
    .socketFor(secret)
    .then((hostKey) => server().handleUpgrade(req, socket, head, (ws) => attach(ws, hostKey, secret!, address)))
    .catch((error: unknown) => {
      const unknownHost = error instanceof CodedError && error.code === "UNKNOWN_HOST";
      refuse(socket, (unknownHost ? limitedAnswer(address, "host-secret", "unknown host secrets") : null) ?? errorAnswer(error));
    });
}

/**
 * How long a socket's wait for commands lasts before it asks the store again. Nothing proxies
 * it, unlike an HTTP poll: a command wakes it at once, one missed is found by the store's sweep
 * each second, and 1,000 sockets waiting 25 s each asked the store 40 times a second for nothing.
 */
const SOCKET_HOLD_SECONDS = 300;

function attach(ws: WebSocket, hostKey: string, secret: string, address: string | null): void {
  const hub = fleet();
  const closed = new AbortController();
  const send = (message: HubMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };

  // An agent that stops answering pings is let go, and its next command waits for it to come
  // back (on this instance or another).
  const stopHeartbeat = keepAlive(ws);

  // Commands handed to the socket that the agent has not said it took: when the socket closes
  // they go back to waiting for the agent's next connection (it never read them, so they never
  // ran). One it took is answered, on a socket or over HTTP.
  const untaken = new Set<string>();
  ws.on("close", () => {
    stopHeartbeat();
    closed.abort();
    hub.releaseSocket(hostKey, ws);
    if (untaken.size > 0)
      void fleet()
        .putBack(hostKey, [...untaken])
        .catch(() => undefined);
  });
  ws.on("error", () => ws.terminate());

  /** Whether a message was handed to the socket whole (false: it closed first, or the write failed). */
  const sent = (message: HubMessage) =>
    new Promise<boolean>((resolve) => {
      if (ws.readyState !== ws.OPEN) return resolve(false);
      ws.send(JSON.stringify(message), (error) => resolve(!error));
    });

  // Commands: the same claim as the HTTP long-poll, held for as long as the socket is open. One
  // claimed as the socket closed goes back to waiting for the agent's next connection. Only for
  // the agent process that holds the host: a socket is taken as the host's at its first accepted
  // report (a newcomer waiting to take over, or a clone, is refused its reports and gets nothing).
  let adopted = false;
  const adopt = () => {
    if (adopted || closed.signal.aborted) return;
    adopted = true;
    hub.adoptSocket(hostKey, ws);
    void takeCommands();
  };
  const takeCommands = async () => {
    while (!closed.signal.aborted) {
      try {
        const commands = await fleet().commandsFor(hostKey, closed.signal, SOCKET_HOLD_SECONDS);
        const unsent = [];
        for (const command of commands) {
          // Each is put back once: by the close while it is untaken, else by this loop.
          if (closed.signal.aborted) {
            unsent.push(command.id);
            continue;
          }
          untaken.add(command.id);
          awaiting.add(command.id);
          if (!(await sent({ type: "command", command, ack: true })) && !closed.signal.aborted) {
            untaken.delete(command.id);
            awaiting.delete(command.id);
            unsent.push(command.id);
          }
        }
        await fleet().putBack(hostKey, unsent);
      } catch {
        if (closed.signal.aborted) return;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  };

  // Frames beyond a fair rate close the socket; reports beyond theirs are refused (socket-rate.ts).
  const messages = new RateBucket(SOCKET_RATES.messages);
  const reports = new RateBucket(SOCKET_RATES.reports);
  let flooded = false;
  // Commands sent on this socket and not answered: a result for any other is dropped unread.
  const awaiting = new Set<string>();

  ws.on("message", (data, isBinary) => {
    if (flooded) return;
    if (!messages.take()) {
      flooded = true;
      instruments().rateRefusals.inc({ what: "socket" });
      ws.close(1008, `more than ${SOCKET_RATES.messages.perSecond} messages a second`);
      setTimeout(() => ws.terminate(), 1_000).unref();
      return;
    }
    void (async () => {
      let message;
      try {
        message = agentMessageSchema.parse(JSON.parse(isBinary ? "" : data.toString()));
      } catch {
        return ws.close(1003, "not a message of this protocol");
      }
      if (message.type === "report") {
        if (!reports.take()) {
          instruments().rateRefusals.inc({ what: "report" });
          const wait = reports.waitSeconds();
          const { status, body } = codedAnswer(
            "TOO_MANY",
            `More than ${SOCKET_RATES.reports.perSecond} reports a second on one socket; try again in ${wait} s.`,
            { retryAfterSeconds: wait },
          );
          return send({ type: "report-answer", id: message.id, status, body });
        }
        try {
          const answer = await observeReport("socket", async () => fleet().report(secret, checkedReport(message.report), address));
          adopt();
          send({ type: "report-answer", id: message.id, status: 200, body: answer });
        } catch (error) {
          const { status, body } = errorAnswer(error);
          send({ type: "report-answer", id: message.id, status, body });
        }
        return;
      }
      if (message.type === "changed") return hub.outputChanged(message.id);
      if (message.type === "took") return void untaken.delete(message.id);
      if (!awaiting.delete(message.id)) return;
      untaken.delete(message.id);
      const result = commandResultSchema.safeParse(message.result);
      if (!result.success) return;
      // An answer nobody waits for any more (withdrawn, answered twice) is dropped, as over HTTP.
      await fleet()
        .answer(hostKey, message.id, result.data)
        .catch(() => undefined);
    })();
  });
}
