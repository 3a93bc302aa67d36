#!/usr/bin/env node
// The dashboard's HTTP server: Next.js's request handler behind a plain node:http server, so
// that the peer address Next sees (x-forwarded-for) is the socket's, never a header a client
// sent; login rate limits count per real address. Started by `npm start` (scripts/start.js)
// and by the tests; HOST and PORT say where to listen.
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";
import { resolveToken } from "../lib/auth/token-file.js";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** Starts the built dashboard; resolves once it listens. */
export async function serve({ host = process.env.HOST || "127.0.0.1", port = Number(process.env.PORT || 3000) } = {}) {
  process.env.HOST = host;
  // A token that is unusable (too short) stops the start here, with its message.
  resolveToken();
  const app = next({ dev: false, dir: root, hostname: host, port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const server = http.createServer((req, res) => {
    req.headers["x-forwarded-for"] = req.socket.remoteAddress ?? "";
    delete req.headers["x-real-ip"];
    void handle(req, res);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  // Streams (a follower) would hold a graceful close open for ever: give them a moment.
  const close = () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 3_000).unref();
  };
  for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, close);
  return server;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  process.env.NODE_ENV = "production";
  serve()
    .then((server) => {
      const address = server.address();
      console.log(`Ready on http://${typeof address === "object" && address ? `${address.address}:${address.port}` : address}`);
    })
    .catch((error) => {
      console.error(error?.message ?? error);
      process.exit(1);
    });
}
