#!/usr/bin/env node
// The dashboard's HTTP server: Next.js's request handler behind a plain node:http server, so
// that the peer address Next sees (x-forwarded-for) is the socket's, or what a proxy listed in
// PROCESS_MONITOR_TRUSTED_PROXIES says it was, never a header anyone else sent; rate limits
// and the audit log count per real address. Started by `npm start` (scripts/start.js)
// and by the tests; HOST and PORT say where to listen.
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";
import { resolveToken } from "../lib/auth/token-file.js";
import { clientAddress, trustedProxies } from "../lib/http/forwarded.js";
import { backgroundStarted, runShutdownHook, upgradeHandler } from "../lib/http/upgrade.js";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/**
 * HTTPS when PROCESS_MONITOR_TLS_CERT and PROCESS_MONITOR_TLS_KEY name PEM files (a hub on
 * the studio network serving agents and browsers itself); null for plain HTTP.
 */
export function tlsOptions() {
  const cert = process.env.PROCESS_MONITOR_TLS_CERT;
  const key = process.env.PROCESS_MONITOR_TLS_KEY;
  if (!cert && !key) return null;
  if (!cert || !key) throw new Error("Set both PROCESS_MONITOR_TLS_CERT and PROCESS_MONITOR_TLS_KEY (PEM files), or neither.");
  try {
    return { cert: fs.readFileSync(cert), key: fs.readFileSync(key) };
  } catch (error) {
    throw new Error(`Cannot read the TLS certificate or key: ${error.message}`);
  }
}

/** Whether the path part of a request target decodes (a stray `%` does not). */
export function decodablePath(url = "/") {
  try {
    decodeURIComponent(url.split("?")[0]);
    return true;
  } catch {
    return false;
  }
}

/** Starts the built dashboard; resolves once it listens. */
export async function serve({ host = process.env.HOST || "127.0.0.1", port = Number(process.env.PORT || 3000) } = {}) {
  process.env.HOST = host;
  // A token that is unusable (too short) stops the start here, with its message.
  resolveToken();
  const app = next({ dev: false, dir: root, hostname: host, port });
  const handle = app.getRequestHandler();
  const trusted = trustedProxies();
  await app.prepare();
  // Next runs the server's start (instrumentation.ts) a moment after prepare: listening before it
  // would answer an agent's WebSocket as a server without the channel (a hub just restarted, its
  // agents coming back), which the agent takes for a proxy that refuses WebSockets.
  for (const until = Date.now() + 15_000; !backgroundStarted() && Date.now() < until;) await new Promise((r) => setTimeout(r, 20));
  const listener = (req, res) => {
    if (!decodablePath(req.url)) {
      // Next would answer 500 when decoding its route parameters.
      res.writeHead(400, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify({ error: "Malformed URL: a % in the path must begin an escape such as %20.", code: "BAD_PATH" }));
      return;
    }
    req.headers["x-forwarded-for"] = clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], trusted);
    delete req.headers["x-real-ip"];
    void handle(req, res);
  };
  const tls = tlsOptions();
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  // Idle keep-alive connections are held longer than a client or a load balancer holds them
  // (Node's 5 s closed them under a client about to reuse one: "other side closed" on a busy
  // machine; a load balancer's 60 s idle gave 502s). The headers' deadline stays above it.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // A WebSocket (the agents' channel on a hub) is handed to its handler before Next sees it;
  // with none (a workstation), refused.
  server.on("upgrade", (req, socket, head) => {
    req.headers["x-forwarded-for"] = clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], trusted);
    const handler = upgradeHandler();
    if (handler && decodablePath(req.url)) return handler(req, socket, head);
    if (!backgroundStarted()) {
      // Still starting (it never listens long before): a refusal the agent retries, not a proxy's.
      const body = JSON.stringify({ error: "The server is starting; try again in a moment.", code: "STARTING" });
      return socket.end(
        `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  // Streams (a follower) would hold a graceful close open for ever: give them a moment.
  const close = () => {
    setTimeout(() => process.exit(0), 3_000).unref();
    // The workstation's agent tells its hub it stops (its restart then takes the host at once).
    const stopped = runShutdownHook().catch(() => undefined);
    server.close(() => void stopped.then(() => process.exit(0)));
    server.closeIdleConnections();
  };
  for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, close);
  return server;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  process.env.NODE_ENV = "production";
  serve()
    .then((server) => {
      const address = server.address();
      console.log(
        `Ready on ${server instanceof https.Server ? "https" : "http"}://${typeof address === "object" && address ? `${address.address}:${address.port}` : address}`,
      );
    })
    .catch((error) => {
      console.error(error?.message ?? error);
      process.exit(1);
    });
}
