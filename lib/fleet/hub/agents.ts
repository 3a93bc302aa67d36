import crypto from "node:crypto";
import type { WebSocket } from "ws";
import { shared } from "../../config/shared";
import type { HubMessage } from "../protocol";

/** The agents' open sockets on this hub instance, by host key (a newer one replaces an older). */
function agentSockets(): Map<string, WebSocket> {
  return shared("agent-sockets", () => new Map<string, WebSocket>());
}

/** Takes `ws` as the host's socket here: commands and output watches go to it; an older one of the host is closed. */
export function adoptSocket(hostKey: string, ws: WebSocket): void {
  const sockets = agentSockets();
  const before = sockets.get(hostKey);
  if (before && before !== ws) before.close(4000, "replaced by a newer connection of this host");
  sockets.set(hostKey, ws);
}

/** A socket closed: no longer the host's (unless a newer one already took its place). */
export function releaseSocket(hostKey: string, ws: WebSocket): void {
  const sockets = agentSockets();
  if (sockets.get(hostKey) === ws) sockets.delete(hostKey);
}

/** The hosts whose agent holds a socket on this instance. */
export function socketHosts(): ReadonlySet<string> {
  return new Set(agentSockets().keys());
}

/** Watches of outputs asked of agents connected here: watch id -> who to tell. */
const watches = () => shared("output-watches", () => new Map<string, () => void>());

/**
 * Asks the agent of `hostKey`, when its socket is open on this instance, to say each time a
 * record's output changes (`changed`): a follower through the hub then reads at once instead of
 * at its next poll. Null when the agent is not connected here (HTTP, or another instance): the
 * follower polls. The returned stop ends the watch; the socket closing ends it too.
 */
export function watchOutput(hostKey: string, hash: string, changed: () => void): (() => void) | null {
  const socket = agentSockets().get(hostKey);
  if (!socket || socket.readyState !== socket.OPEN) return null;
  const id = crypto.randomUUID();
  const send = (message: HubMessage) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  watches().set(id, changed);
  const stop = () => {
    if (!watches().delete(id)) return;
    socket.off("close", stop);
    send({ type: "unwatch", id });
  };
  socket.once("close", stop);
  send({ type: "watch", id, hash });
  return stop;
}

/** An agent said a watched output changed. */
export function outputChanged(id: string): void {
  watches().get(id)?.();
}
