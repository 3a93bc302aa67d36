#!/usr/bin/env node
// `npm start`: builds the dashboard if needed, then serves it on HOST:PORT
// (127.0.0.1:3000 by default) and prints the login URL carrying the access token.
import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBuild } from "./ensure-build.js";
import { isLoopbackHost, resolveFleetKey, resolveToken, TOKEN_ENV } from "../lib/auth/token-file.js";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const host = process.env.HOST || "127.0.0.1";
const port = process.env.PORT || "3000";

// The dashboard shows environments (secrets) and launches programs.
if (!isLoopbackHost(host) && !process.env[TOKEN_ENV]) {
  console.error(
    `Refusing to listen on ${host} without authentication configured: other machines could reach it.\n` +
      `Set ${TOKEN_ENV} to a long random secret (for example: export ${TOKEN_ENV}=$(openssl rand -hex 24)), or listen on 127.0.0.1.`,
  );
  process.exit(1);
}

let token;
let fleetKey = null;
const hub = process.env.PROCESS_MONITOR_HUB === "1";
const scheme = process.env.PROCESS_MONITOR_TLS_CERT ? "https" : "http";
try {
  ({ token } = resolveToken());
  if (hub) fleetKey = resolveFleetKey();
  ensureBuild({ force: process.argv.includes("--rebuild") });
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

const server = spawn(process.execPath, [path.join(root, "scripts", "serve.js")], {
  cwd: root,
  stdio: ["ignore", "pipe", "inherit"],
  env: { ...process.env, NODE_ENV: "production", HOST: host, PORT: port, [TOKEN_ENV]: token },
});
let announced = false;
server.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  if (!announced && /Ready|started server/i.test(String(chunk))) {
    announced = true;
    const shown = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
    console.log(
      // A hub opens on its fleet: the team lead came for the workstations, not the hub machine's own list.
      `\n  Process Monitor is running. Open this login URL once (then bookmark any page):\n\n    ${scheme}://${shown}:${port}/${fleetKey ? "fleet" : ""}?token=${token}\n`,
    );
    if (fleetKey) console.log(enrolmentHint(shown));
  }
});
/**
 * How to enrol a workstation, with an address its agent takes: one that sends the host secret
 * in clear (plain http to another machine) it refuses, so over http only this machine's own
 * loopback address is offered as is, and what a real deployment needs is said beside it.
 */
function enrolmentHint(shown) {
  const name = os.hostname();
  const remote = isLoopbackHost(host)
    ? `  Other machines cannot reach it: it listens on ${host} (set HOST=0.0.0.0, with TLS).\n`
    : scheme === "https"
      ? ""
      : `  From other workstations: serve TLS (PROCESS_MONITOR_TLS_CERT, PROCESS_MONITOR_TLS_KEY) and use\n` +
        `  https://${name}:${port}; on a trusted network only, http://${name}:${port} with PROCESS_MONITOR_HUB_INSECURE=1.\n`;
  const url = scheme === "https" ? `https://${name}:${port}` : `http://127.0.0.1:${port}`;
  return (
    `  This server is a fleet hub: ${scheme}://${shown}:${port}/fleet\n` +
    `  Enrol a workstation by starting it (npm start, or npm run cli -- agent) with${scheme === "https" ? "" : " (on this machine)"}:\n\n` +
    `    PROCESS_MONITOR_HUB_URL=${url}\n` +
    `    PROCESS_MONITOR_HUB_KEY=${fleetKey.token}\n\n` +
    remote +
    (fleetKey.file ? `  (the fleet key is kept in ${fleetKey.file})\n` : "")
  );
}

for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
