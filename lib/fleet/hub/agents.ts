import type { WebSocket } from "ws";
import { shared } from "../../config/shared";

/** The agents' open sockets on this hub instance, by host key (a newer one replaces an older). */
export function agentSockets(): Map<string, WebSocket> {
  return shared("agent-sockets", () => new Map<string, WebSocket>());
}
