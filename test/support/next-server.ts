import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import type { Browser, BrowserContext, BrowserContextOptions } from "playwright-core";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..", "..");
const serveScript = path.join(root, "scripts", "serve.js");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  /** fetch() against the server with the bearer token. */
  api: (path: string, init?: RequestInit) => Promise<Response>;
  child: ChildProcess;
  logs: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/** The production build served by scripts/serve.js (as `npm start` does) on a free loopback port, with its own registry. */
export async function startServer(
  env: Record<string, string>,
  port?: number,
  token = crypto.randomBytes(16).toString("hex"),
): Promise<RunningServer> {
  const chosen = port ?? (await freePort());
  // Sessions and a generated token live in the data folder: the given HOME's (kept across a
  // restart, as a real one is), else one of its own.
  const ownData = env.HOME ? null : fs.mkdtempSync(path.join(os.tmpdir(), "pm-data-"));
  const dataHome = ownData ?? path.join(env.HOME!, ".local", "share");
  let output = "";
  const child = spawn(process.execPath, [serveScript], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(chosen),
      XDG_DATA_HOME: dataHome,
      PROCESS_MONITOR_TOKEN: token,
      // Tests seed old records on purpose; the retention tests turn it back on.
      PROCESS_MONITOR_RETENTION: "off",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${chosen}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}):\n${output}`);
    try {
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.status < 500) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`next start did not answer within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 150));
  }
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (ownData) fs.rmSync(ownData, { recursive: true, force: true });
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    const kill = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        child.kill(sig);
      }
    };
    kill(signal);
    // A graceful stop waits for open keep-alive connections (a browser's); don't wait forever.
    const timer = setTimeout(() => kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
  return { url, port: chosen, token, api, child, logs: () => output, stop };
}

/** A new session on `server`, as the login form opens one; returns the cookie's value. */
export async function logIn(server: RunningServer): Promise<string> {
  const response = await fetch(`${server.url}/session`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ token: server.token }),
  });
  if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`pm_session_${server.port}=`));
  if (!cookie) throw new Error("login set no session cookie");
  return cookie.slice(cookie.indexOf("=") + 1, cookie.indexOf(";"));
}

/** A browser context already logged in to `server` (its session cookie set). */
export async function loggedInContext(
  browser: Browser,
  server: RunningServer,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  await context.addCookies([
    {
      name: `pm_session_${server.port}`,
      value: await logIn(server),
      domain: "127.0.0.1",
      path: "/",
      httpOnly: true,
      sameSite: "Lax",
    },
  ]);
  return context;
}
