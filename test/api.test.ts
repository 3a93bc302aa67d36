import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Registry } from "../lib/registry";
import { readProcStat } from "../lib/system/proc-linux";
import { startChild, waitFor } from "./support/children";
import { freePort, startServer, type RunningServer } from "./support/next-server";
import { tempDir } from "./support/temp";
import { STATUS_OF } from "../lib/status-of";
import { startTimeOfPid } from "../lib/system/probe";

let server: RunningServer;
let dir: string;
let dbPath: string;
let someHash: string;

beforeAll(async () => {
  dir = tempDir("pm-api-");
  dbPath = path.join(dir, "registry.db");
  const registry = await Registry.open(dbPath);
  const out = registry.newOutputPath("seed");
  fs.writeFileSync(out, "seed output\n");
  someHash = (await registry.store({ name: "seed", executable: "/bin/true", pid: 4_300_000, outputFile: out, stopped: true })).hash;
  await registry.close();
  server = await startServer({ PROCESS_MONITOR_DB: dbPath, HOME: dir });
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

const noRedirect: RequestInit = { redirect: "manual" };

/** One error shape everywhere (issue 42): `{ error, code }`, the status the one table's for the code. */
async function errorShape(response: Response, code?: string): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>;
  expect(typeof body.error, JSON.stringify(body)).toBe("string");
  expect(typeof body.code, JSON.stringify(body)).toBe("string");
  if (code) expect(body.code).toBe(code);
  expect(response.status, String(body.code)).toBe(STATUS_OF[body.code as keyof typeof STATUS_OF]);
  return body;
}

describe("access control", () => {
  it("answers 401 or the login page on every route without the token, and works with it", async () => {
    const pages = ["/", "/launch", `/processes/${someHash}`, `/processes/${someHash}/output`];
    for (const page of pages) {
      const response = await fetch(`${server.url}${page}`, noRedirect);
      expect(response.status, page).toBe(307);
      // The bare root asks for nothing in particular: the login's own landing applies.
      expect(response.headers.get("location"), page).toMatch(page === "/" ? /\/login$/ : /\/login\?next=/);
      expect((await server.api(page, noRedirect)).status, page).toBe(200);
    }
    const api: Array<[string, string]> = [
      ["GET", "/api/health"],
      ["GET", "/api/processes"],
      ["GET", `/api/processes/${someHash}`],
      ["GET", `/api/processes/${someHash}/usage`],
      ["GET", `/api/processes/${someHash}/output`],
      ["GET", `/api/processes/${someHash}/output?follow=1`],
      ["GET", `/api/processes/${someHash}/output/search?q=seed`],
      ["GET", `/api/processes/${someHash}/output/line?offset=0`],
      ["POST", "/api/processes"],
      ["POST", `/api/processes/${someHash}/stop`],
      ["DELETE", `/api/processes/${someHash}`],
      ["POST", "/api/processes/prune"],
      // A server action is a POST to a page.
      ["POST", "/"],
    ];
    for (const [method, route] of api) {
      const response = await fetch(`${server.url}${route}`, { method, ...noRedirect, headers: { "next-action": "x" } });
      expect(response.status, `${method} ${route}`).toBe(401);
      expect((await errorShape(response, "UNAUTHORIZED")).error).toMatch(/Authentication required/);
    }
    const wrong = await fetch(`${server.url}/api/processes`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    await errorShape(wrong);
    // The login form's JSON answers: a wrong token, then too many of them.
    const login = (token: string) =>
      fetch(`${server.url}/session`, {
        method: "POST",
        ...noRedirect,
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ token }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const answer = await login("wrong-token-0123456789");
      statuses.push(answer.status);
      await errorShape(answer, answer.status === 429 ? "TOO_MANY" : "UNAUTHORIZED");
    }
    expect(statuses).toContain(401);
    expect(statuses.at(-1)).toBe(429);
    const stream = await server.api(`/api/processes/${someHash}/output?follow=1`);
    expect(stream.headers.get("content-type")).toMatch(/text\/event-stream/);
    await stream.body?.cancel();
    expect((await server.api("/api/processes")).status).toBe(200);
  });

  it("turns a login URL into a long-lived HttpOnly cookie and a clean URL; logout ends it", async () => {
    const login = await fetch(`${server.url}/processes/${someHash}?token=${server.token}`, noRedirect);
    expect(login.status).toBe(303);
    expect(new URL(login.headers.get("location")!, server.url).href).toBe(`${server.url}/processes/${someHash}`);
    const cookie = login.headers.get("set-cookie")!;
    expect(cookie).toMatch(new RegExp(`^pm_session_${server.port}=`));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=lax/i);
    expect(Number(/Max-Age=(\d+)/i.exec(cookie)?.[1])).toBeGreaterThan(300 * 24 * 3600);
    expect(cookie).not.toContain(server.token);
    const session = cookie.split(";")[0]!;
    expect((await fetch(`${server.url}/`, { headers: { cookie: session }, ...noRedirect })).status).toBe(200);

    const bad = await fetch(`${server.url}/?token=wrong`, noRedirect);
    expect(bad.headers.get("location")).toMatch(/\/login\?next=%2F&error=1/);

    expect((await fetch(`${server.url}/logout`, { headers: { cookie: session }, ...noRedirect })).status).toBe(405);
    const logout = await fetch(`${server.url}/logout`, { method: "POST", headers: { cookie: session, origin: server.url }, ...noRedirect });
    expect(logout.status).toBe(303);
    expect(logout.headers.get("set-cookie")).toMatch(/Max-Age=0/);
  });

  it("refuses cross-site mutations", async () => {
    const evil = await server.api("/api/processes/prune", { method: "POST", headers: { origin: "http://evil.example" } });
    expect(evil.status).toBe(403);
    expect((await errorShape(evil, "FORBIDDEN")).error).toMatch(/Cross-site request refused/);
    const session = (await fetch(`${server.url}/?token=${server.token}`, noRedirect)).headers.get("set-cookie")!.split(";")[0]!;
    const viaCookie = await fetch(`${server.url}/api/processes/prune`, {
      method: "POST",
      headers: { cookie: session, "sec-fetch-site": "cross-site" },
    });
    expect(viaCookie.status).toBe(403);
    const action = await fetch(`${server.url}/`, {
      method: "POST",
      headers: { cookie: session, origin: "http://evil.example", "next-action": "x" },
    });
    expect(action.status).toBe(403);
    // The same request from the dashboard's own origin gets through (to a 404: no such record).
    const sameOrigin = await fetch(`${server.url}/api/processes/${"e".repeat(64)}/stop`, {
      method: "POST",
      headers: { cookie: session, origin: server.url },
    });
    expect(sameOrigin.status).toBe(404);
  });

  it("refuses to start on 0.0.0.0 without a token configured", () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOST: "0.0.0.0", PORT: "1", PROCESS_MONITOR_DB: dbPath };
    delete env.PROCESS_MONITOR_TOKEN;
    const result = spawnSync(process.execPath, ["scripts/start.js"], { env, encoding: "utf8", timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0 without authentication configured/);
  });

  it("a hub started with npm start prints an enrolment its agent takes as printed (issue 42)", async () => {
    const home = tempDir("pm-hub-start-");
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PROCESS_MONITOR_HUB: "1", PORT: String(port), XDG_DATA_HOME: home, HOME: home };
    delete env.PROCESS_MONITOR_TOKEN;
    const hub = spawn(process.execPath, ["scripts/start.js"], { env, stdio: ["ignore", "pipe", "inherit"], detached: true });
    try {
      let printed = "";
      hub.stdout!.on("data", (d) => (printed += d));
      await expect.poll(() => printed, { timeout: 60_000 }).toMatch(/PROCESS_MONITOR_HUB_KEY=\S+/);
      expect(printed).not.toMatch(/<this hub's name>/);
      expect(printed).toMatch(/Other machines cannot reach it: it listens on 127\.0\.0\.1/);
      const url = /PROCESS_MONITOR_HUB_URL=(\S+)/.exec(printed)![1]!;
      const key = /PROCESS_MONITOR_HUB_KEY=(\S+)/.exec(printed)![1]!;
      const ws = path.join(home, "ws");
      const agent = spawnSync(process.execPath, ["bin/process-monitor.js", "agent", "--once", "--db", path.join(ws, "r.db")], {
        env: { ...process.env, HOME: ws, XDG_DATA_HOME: ws, PROCESS_MONITOR_HUB_URL: url, PROCESS_MONITOR_HUB_KEY: key },
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(agent.status, agent.stderr).toBe(0);
      expect(agent.stdout).toMatch(/Reported .* to http:\/\/127\.0\.0\.1/);
    } finally {
      process.kill(-hub.pid!, "SIGTERM");
      await new Promise((r) => hub.once("exit", r));
    }
  }, 120_000);

  it("creates the token file with owner-only permissions", () => {
    const home = tempDir("pm-token-");
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: home };
    delete env.PROCESS_MONITOR_TOKEN;
    const script = "import('./lib/auth/token-file.js').then((m) => console.log(JSON.stringify(m.resolveToken())))";
    const first = JSON.parse(execFileSync(process.execPath, ["-e", script], { env, encoding: "utf8" }));
    expect(first.source).toBe("file");
    expect(first.file).toBe(path.join(home, "process-monitor", "token"));
    expect(fs.statSync(first.file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(first.file)).mode & 0o777).toBe(0o700);
    expect(first.token).toMatch(/^[0-9a-f]{48}$/);
    const second = JSON.parse(execFileSync(process.execPath, ["-e", script], { env, encoding: "utf8" }));
    expect(second.token).toBe(first.token);
  });
});

describe("JSON API", () => {
  it("launches, lists, shows, stops and deletes", async () => {
    const launched = await server.api("/api/processes", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "api-sleep", executable: "sleep", args: ["300"], env: { SHOT: "sh020" }, cwd: dir }),
    });
    expect(launched.status).toBe(201);
    const record = await launched.json();
    expect(record).toMatchObject({ name: "api-sleep", args: ["300"], cwd: dir, running: true, exitCode: null, endedAt: null });
    expect(record.env.SHOT).toBe("sh020");
    expect(record.createdAt).toMatch(/Z$/);

    const list = await (await server.api("/api/processes?status=running&q=api-sleep&limit=5")).json();
    expect(list.total).toBe(1);
    expect(list.processes[0].hash).toBe(record.hash);
    const page = await (await server.api("/api/processes?limit=1&offset=1")).json();
    expect(page).toMatchObject({ limit: 1, offset: 1 });
    expect(page.processes).toHaveLength(1);

    const detail = await (await server.api(`/api/processes/${record.hash}`)).json();
    expect(detail.pid).toBe(record.pid);
    await waitFor(() => readProcStat(record.pid)?.comm === "sleep");
    const stopped = await server.api(`/api/processes/${record.hash}/stop`, { method: "POST", body: JSON.stringify({ graceSeconds: 2 }) });
    expect(stopped.status).toBe(200);
    const stopBody = await stopped.json();
    expect(stopBody).toMatchObject({ outcome: "stopped", signal: "SIGTERM" });
    expect(stopBody.process.running).toBe(false);
    await waitFor(async () => (await (await server.api(`/api/processes/${record.hash}`)).json()).exitSignal === "SIGTERM");

    // `failed`: a non-zero exit is one; the stop of ours just above is not.
    const failing = await server.api("/api/processes", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "api-fails", executable: "/bin/sh", args: ["-c", "exit 5"], cwd: dir }),
    });
    const failedRecord = await failing.json();
    await waitFor(async () => (await (await server.api(`/api/processes/${failedRecord.hash}`)).json()).exitCode === 5);
    const failedList = await (await server.api("/api/processes?status=failed&limit=100")).json();
    const failedHashes = failedList.processes.map((p: { hash: string }) => p.hash);
    expect(failedHashes).toContain(failedRecord.hash);
    expect(failedHashes).not.toContain(record.hash);
    expect(
      failedList.processes.every((p: { exitCode: number | null; exitSignal: string | null }) => p.exitCode !== 0 || p.exitSignal),
    ).toBe(true);
    expect((await server.api(`/api/processes/${failedRecord.hash}`, { method: "DELETE" })).status).toBe(200);

    expect((await server.api(`/api/processes/${record.hash}`, { method: "DELETE" })).status).toBe(200);
    expect((await server.api(`/api/processes/${record.hash}`)).status).toBe(404);
    expect((await server.api(`/api/processes/${record.hash}`, { method: "DELETE" })).status).toBe(404);
  });

  it("serves output by byte ranges, searches it and numbers its lines", async () => {
    const raw = await server.api(`/api/processes/${someHash}/output?offset=5&length=6`);
    expect(await raw.text()).toBe("output");
    expect(raw.headers.get("content-range")).toBe("bytes 5-10/12");
    const json = await (await server.api(`/api/processes/${someHash}/output?format=json`)).json();
    expect(json).toMatchObject({ start: 0, end: 12, size: 12, text: "seed output\n" });
    // The match, and its place among all of them.
    expect(await (await server.api(`/api/processes/${someHash}/output/search?q=OUTPUT`)).json()).toEqual({
      match: { offset: 5, lineStart: 0 },
      index: 1,
    });
    const download = await server.api(`/api/processes/${someHash}/output?download=1`);
    expect(download.headers.get("content-disposition")).toMatch(/attachment; filename="seed-4300000\.log"/);
    expect(await download.text()).toBe("seed output\n");
  });

  it("answers bad requests with clear JSON errors and fitting statuses", async () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      server.api("/api/processes", { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
    const badJson = await post("{nope");
    expect(badJson.status).toBe(400);
    expect((await errorShape(badJson, "INVALID")).error).toMatch(/not valid JSON/);
    const missing = await post(JSON.stringify({ name: "x", executable: "/no/such/exe" }));
    expect(missing.status).toBe(400);
    expect(await errorShape(missing, "EXECUTABLE_NOT_FOUND")).toMatchObject({
      field: "executable",
      fields: { executable: [expect.any(String)] },
    });
    const invalid = await post(JSON.stringify({ name: 5, executable: "/bin/true", extra: 1 }));
    expect(invalid.status).toBe(400);
    expect((await errorShape(invalid, "INVALID")).fields).toBeDefined();
    const huge = await post(JSON.stringify({ name: "x", executable: "/bin/true", args: ["a".repeat(2 * 1024 * 1024)] }));
    expect(huge.status).toBe(413);
    await errorShape(huge, "TOO_LARGE");
    const type = await post("name=x", { "content-type": "application/x-www-form-urlencoded" });
    expect(type.status).toBe(415);
    await errorShape(type, "NOT_JSON");
    for (const route of [
      "/api/processes/not-a-hash",
      `/api/processes/${"A".repeat(64)}`,
      "/api/processes/..%2F..%2Fetc%2Fpasswd/output",
      `/api/processes/${"e".repeat(64)}/usage`,
      "/api/fleet/hosts",
    ]) {
      const response = await server.api(route);
      expect(response.status, route).toBe(404);
      await errorShape(response, "NOT_FOUND");
    }
    const stopGone = await server.api(`/api/processes/${"e".repeat(64)}/stop`, { method: "POST" });
    expect(stopGone.status).toBe(404);
    await errorShape(stopGone);
    await errorShape(await server.api(`/api/processes/${someHash}/output?offset=-1`), "INVALID");
    await errorShape(await server.api("/api/processes?limit=0"), "INVALID");
    await errorShape(await server.api("/api/processes?full=2"), "INVALID");
    const badPath = await server.api("/api/processes/%zz");
    expect(badPath.status).toBe(400);
    expect(await badPath.json()).toMatchObject({ code: "BAD_PATH", error: expect.any(String) });

    // A reused pid is refused with 409 and nothing is signalled.
    const bystander = startChild("/bin/sleep", ["300"]);
    const startTime = await waitFor(() => startTimeOfPid(bystander.pid!));
    const registry = await Registry.open(dbPath);
    const stale = await registry.store({ name: "stale", executable: "/bin/sleep", pid: bystander.pid!, startTime: startTime - 7200 });
    await registry.close();
    const refused = await server.api(`/api/processes/${stale.hash}/stop`, { method: "POST" });
    expect(refused.status).toBe(409);
    await errorShape(refused, "REFUSED");
    expect(readProcStat(bystander.pid!)?.state).toMatch(/[SR]/);
  });

  it("waits for another writer's lock instead of failing", async () => {
    const Database = (await import("better-sqlite3")).default;
    const holder = new Database(dbPath);
    holder.exec("BEGIN IMMEDIATE");
    holder
      .prepare(
        "INSERT INTO process_info (hash, name, executable, args, env, pid, stopped) VALUES (?, 'locker', '/bin/true', '[]', '{}', 4300001, 1)",
      )
      .run("d".repeat(64));
    const started = Date.now();
    setTimeout(() => {
      holder.exec("COMMIT");
      holder.close();
    }, 1_500);
    const pruned = await server.api("/api/processes/prune", { method: "POST" });
    expect(pruned.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    // It read the rows before the other writer committed, so the new stopped row waits for the next prune.
    expect((await (await server.api("/api/processes/prune", { method: "POST" })).json()).deleted).toBe(1);
    expect((await server.api(`/api/processes/${"d".repeat(64)}`)).status).toBe(404);
  });

  it("shows malformed rows with warnings instead of failing", async () => {
    const Database = (await import("better-sqlite3")).default;
    const db = new Database(dbPath);
    db.prepare(
      "INSERT INTO process_info (hash, name, executable, args, env, pid, created_at) VALUES (?, NULL, NULL, '[broken', '{\"A\":', 'oops', 'not a time')",
    ).run("c".repeat(64));
    db.close();
    const response = await server.api("/api/processes?q=" + "c".repeat(8));
    expect(response.status).toBe(200);
    const [row] = (await response.json()).processes;
    expect(row.warnings.join(" ")).toMatch(/name is missing.*executable is missing/);
    expect(row.warnings.join(" ")).toMatch(/args is not valid JSON/);
    const page = await server.api("/");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("malformed");
    expect((await server.api(`/processes/${"c".repeat(64)}`)).status).toBe(200);
  });
});
