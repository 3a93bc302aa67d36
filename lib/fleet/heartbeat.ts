import type { WebSocket } from "ws";
import { HEARTBEAT_SECONDS } from "./protocol";

/**
 * The channel's heartbeat, the same on both ends: a ping every HEARTBEAT_SECONDS, and a socket
 * that said nothing since the last one (no pong, no ping of its own) is ended. Returns the stop.
 */
export function keepAlive(socket: WebSocket): () => void {
  let alive = true;
  const heard = () => {
    alive = true;
  };
  socket.on("pong", heard);
  socket.on("ping", heard);
  const timer = setInterval(() => {
    if (!alive) return socket.terminate();
    alive = false;
    socket.ping();
  }, HEARTBEAT_SECONDS * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
