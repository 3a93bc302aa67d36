import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Registry } from "../lib/registry";
import { buildIsStale } from "../scripts/ensure-build.js";
import { launchBrowser } from "./support/browser";
import { freePort, logIn, loggedInContext, startServer, type RunningServer } from "./support/next-server";
import { tempDir } from "./support/temp";

const dir = tempDir("pm-safety-");
const dbPath = path.join(dir, "registry.db");
let server: RunningServer;
let browser: Browser;
let outputFile: string;
let hash: string;

/** A GET with a Host header of our choosing (fetch does not let one set it). */
function getWithHost(url: string, host: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { host, ...headers } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on("error", reject);
  });
}

const mode = (file: string) => fs.statSync(file).mode & 0o777;

beforeAll(async () => {
  const registry = await Registry.open(dbPath);
  outputFile = registry.newOutputPath("safety");
  fs.writeFileSync(outputFile, "one\ntwo\n");
  hash = (await registry.store({ name: "safety", executable: "/bin/true", pid: 4_500_000, outputFile, stopped: true })).hash;
  await registry.close();
  [server, browser] = await Promise.all([startServer({ PROCESS_MONITOR_DB: dbPath, HOME: dir }), launchBrowser()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("login", () => {
  it("posts the token from the form, never in a URL, and keeps a crafted next on this dashboard", async () => {
    for (const crafted of ["/%5Cevil.example/x", "/%09/evil.example", "//evil.example/x"]) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const requested: string[] = [];
      page.on("request", (r) => requested.push(r.url()));
      await page.goto(`${server.url}/login?next=${crafted}`);
      const form = page.locator("form:has(#token)");
      expect(await form.getAttribute("method")).toBe("post");
      expect(await form.getAttribute("action")).toBe("/session");
      await page.fill("#token", server.token);
      await page.click("button[type=submit]");
      await page.waitForURL((url) => url.pathname !== "/login");
      expect(new URL(page.url()).origin).toBe(server.url);
      expect(page.url()).toBe(`${server.url}/`);
      expect(requested.filter((u) => u.includes(server.token))).toEqual([]);
      expect(requested.some((u) => u.includes("evil.example") && !u.startsWith(server.url))).toBe(false);
      await context.close();
    }
  });

  it("works without scripts: a plain form post answers with redirects", async () => {
    const noRedirect = { redirect: "manual" as const };
    const form = (token: string, next: string) =>
      fetch(`${server.url}/session`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token, next }),
        ...noRedirect,
      });
    const ok = await form(server.token, "/processes/abc?x=1");
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/processes/abc?x=1");
    expect(ok.headers.get("set-cookie")).toMatch(new RegExp(`^pm_session_${server.port}=[A-Za-z0-9_-]{43};`));
    const wrong = await form("not-the-token-at-all", "/\\evil.example");
    expect(wrong.status).toBe(303);
    expect(wrong.headers.get("location")).toBe("/login?next=%2F&error=1");
    const page = await fetch(`${server.url}${wrong.headers.get("location")}`);
    expect(await page.text()).toContain("That token is not right.");
  });

  it("keeps sessions on the server: logout revokes a copied cookie, 'log out all' ends every session", async () => {
    const api = (cookie: string) => fetch(`${server.url}/api/processes`, { headers: { cookie: `pm_session_${server.port}=${cookie}` } });
    const logout = (cookie: string, all = false) =>
      fetch(`${server.url}/logout`, {
        method: "POST",
        headers: { cookie: `pm_session_${server.port}=${cookie}`, origin: server.url, "content-type": "application/x-www-form-urlencoded" },
        body: all ? "scope=all" : "",
        redirect: "manual",
      });
    const first = await logIn(server);
    const copied = first;
    expect((await api(first)).status).toBe(200);
    const ended = await logout(first);
    expect(ended.status).toBe(303);
    expect(ended.headers.get("location")).toBe("/login?ended=1");
    expect((await api(copied)).status).toBe(401);

    const a = await logIn(server);
    const b = await logIn(server);
    // A session of a real browser is named as people name it, not by its raw user-agent.
    const chrome = await fetch(`${server.url}/session`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
      },
      body: JSON.stringify({ token: server.token }),
    });
    expect(chrome.ok).toBe(true);
    const sessionsPage = await fetch(`${server.url}/sessions`, { headers: { cookie: `pm_session_${server.port}=${a}` } });
    const html = await sessionsPage.text();
    expect(html).toContain("this browser");
    expect(html).toContain("Chrome 131 on Linux");
    expect(html.match(/data-session=/g)?.length).toBeGreaterThanOrEqual(2);
    expect(html).not.toContain(a);
    expect((await logout(a, true)).headers.get("location")).toBe("/login?ended=all");
    expect((await api(a)).status).toBe(401);
    expect((await api(b)).status).toBe(401);
    // The bearer token still works: sessions are for browsers.
    expect((await server.api("/api/processes")).status).toBe(200);
  });

  it("keeps sessions in an owner-only file of our own, apart from the registry", async () => {
    const file = path.join(dir, ".local", "share", "process-monitor", "sessions.db");
    await logIn(server);
    expect(mode(file)).toBe(0o600);
    for (const companion of ["-wal", "-shm"]) if (fs.existsSync(file + companion)) expect(mode(file + companion)).toBe(0o600);
    const db = new Database(dbPath, { readonly: true });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    db.close();
    expect(tables.map((t) => t.name)).not.toContain("sessions");
  });

  it("refuses a token shorter than 16 characters at start, with a clear message", () => {
    for (const script of ["scripts/serve.js", "scripts/start.js"]) {
      const result = spawnSync(process.execPath, [script], {
        env: { ...process.env, PROCESS_MONITOR_TOKEN: "short-token", PORT: "1", PROCESS_MONITOR_DB: dbPath },
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(result.status, script).toBe(1);
      expect(result.stderr).toMatch(/PROCESS_MONITOR_TOKEN is 11 characters long; it must have at least 16/);
    }
  });
});

describe("a server of its own: idle expiry, rate limit, allowed hosts, searches", () => {
  let own: RunningServer;
  const home = tempDir("pm-own-");
  beforeAll(async () => {
    own = await startServer({
      PROCESS_MONITOR_DB: dbPath,
      HOME: home,
      // About 2 s, so expiry can be seen.
      PROCESS_MONITOR_SESSION_IDLE_DAYS: String(2 / 86400),
      PROCESS_MONITOR_ALLOWED_HOSTS: "render-farm-07, studio.example",
      PROCESS_MONITOR_MAX_SEARCHES: "1",
    });
  }, 120_000);
  afterAll(() => own?.stop());

  it("ends a session left idle longer than the limit", async () => {
    const cookie = await logIn(own);
    const api = () => fetch(`${own.url}/api/processes`, { headers: { cookie: `pm_session_${own.port}=${cookie}` } });
    expect((await api()).status).toBe(200);
    await new Promise((r) => setTimeout(r, 3_200));
    expect((await api()).status).toBe(401);
  });

  it("answers 403 to a Host that is not this machine while on loopback, except the allowed names", async () => {
    const url = `${own.url}/api/processes`;
    const auth = { authorization: `Bearer ${own.token}` };
    expect(await getWithHost(url, "evil.example", auth)).toBe(403);
    expect(await getWithHost(url, `rebind.attacker.test:${own.port}`, auth)).toBe(403);
    expect(await getWithHost(url, `localhost:${own.port}`, auth)).toBe(200);
    expect(await getWithHost(url, `127.0.0.1:${own.port}`, auth)).toBe(200);
    expect(await getWithHost(url, `[::1]:${own.port}`, auth)).toBe(200);
    expect(await getWithHost(url, `${os.hostname()}:${own.port}`, auth)).toBe(200);
    expect(await getWithHost(url, `RENDER-FARM-07:${own.port}`, auth)).toBe(200);
    expect(await getWithHost(url, "studio.example", auth)).toBe(200);
    // Refused before anything else: the login page too.
    expect(await getWithHost(`${own.url}/login`, "evil.example")).toBe(403);
  });

  it("limits whole-file searches per server: the next one gets 429 and Retry-After, others go on", async () => {
    const registry = await Registry.open(dbPath);
    const sparse = registry.newOutputPath("sparse");
    fs.writeFileSync(sparse, "");
    fs.truncateSync(sparse, 8 * 1024 ** 3); // 8 GiB of holes: a search for a missing word reads it all
    const big = await registry.store({ name: "sparse", executable: "/bin/true", pid: 4_500_001, outputFile: sparse, stopped: true });
    await registry.close();
    const controller = new AbortController();
    let settled = false;
    const first = own
      .api(`/api/processes/${big.hash}/output/search?q=needle&count=1`, { signal: controller.signal })
      .finally(() => (settled = true))
      .catch(() => null);
    // Wait until the first search holds the one slot.
    let second: Response;
    for (;;) {
      second = await own.api(`/api/processes/${big.hash}/output/search?q=other`);
      if (second.status === 429 || settled) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(settled).toBe(false);
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).toBe("2");
    expect((await second.json()).error).toMatch(/1 searches are already running on this server; try again in a moment/);
    // Other requests are served while it runs: a range, the list, health.
    expect((await own.api(`/api/processes/${big.hash}/output?offset=0&length=10`)).status).toBe(200);
    expect((await own.api("/api/health")).status).toBe(200);
    expect(settled).toBe(false);
    controller.abort();
    await first;
    // The aborted search gives its slot back.
    await expect
      .poll(async () => (await own.api(`/api/processes/${big.hash}/output/search?q=x&from=${8 * 1024 ** 3 - 10}`)).status)
      .toBe(200);
  });

  it("rate-limits wrong logins per address with 429 and Retry-After, and never locks out the right token", async () => {
    const tryLogin = (token: string) =>
      fetch(`${own.url}/session`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ token }),
      });
    for (let i = 0; i < 5; i++) expect((await tryLogin(`wrong-token-number-${i}`)).status).toBe(401);
    const limited = await tryLogin("wrong-token-number-6");
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await limited.json()).error).toMatch(
      /Too many wrong tokens from your address\. Try again in \d+ s \(the right token is always let in\)\./,
    );
    expect((await fetch(`${own.url}/?token=wrong-token-number-7`, { redirect: "manual" })).status).toBe(429);
    // The right token still gets in, by the form and by the link: nobody can lock its holder out.
    expect((await tryLogin(own.token)).status).toBe(200);
    expect((await fetch(`${own.url}/?token=${own.token}`, { redirect: "manual" })).status).toBe(303);
    expect((await own.api("/api/processes")).status).toBe(200);
    // Wrong bearer tokens are limited the same way, and the right one keeps working.
    const bearer = (token: string) => fetch(`${own.url}/api/processes`, { headers: { authorization: `Bearer ${token}` } });
    for (let i = 0; i < 5; i++) expect((await bearer(`wrong-bearer-${i}`)).status).toBe(401);
    const refused = await bearer("wrong-bearer-6");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await own.api("/api/processes")).status).toBe(200);
  });
});

describe("headers and framing", () => {
  it("sends CSP frame-ancestors, X-Frame-Options, nosniff and no-referrer on pages, routes, static files and refusals", async () => {
    const cookie = await logIn(server);
    const headers = { cookie: `pm_session_${server.port}=${cookie}` };
    const html = await (await fetch(`${server.url}/`, { headers })).text();
    const css = /href="(\/_next\/static\/[^"]+\.css)"/.exec(html)?.[1];
    expect(css).toBeDefined();
    const urls = [
      "/",
      `/processes/${hash}`,
      `/processes/${hash}/output`,
      "/launch",
      "/login",
      "/sessions",
      "/api/processes",
      css!,
      "/nope",
    ];
    for (const url of urls) {
      const response = await fetch(`${server.url}${url}`, { headers, redirect: "manual" });
      expect(response.headers.get("content-security-policy"), url).toMatch(/frame-ancestors 'none'/);
      expect(response.headers.get("x-frame-options"), url).toBe("DENY");
      expect(response.headers.get("x-content-type-options"), url).toBe("nosniff");
      expect(response.headers.get("referrer-policy"), url).toBe("no-referrer");
    }
    const refused = await fetch(`${server.url}/api/processes`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("x-frame-options")).toBe("DENY");
  });

  it("cannot be framed by a page on another local port, even logged in", async () => {
    const port = await freePort();
    const attacker = http.createServer((_req, res) => {
      res.setHeader("content-type", "text/html");
      res.end(`<h1>attacker</h1><iframe id="victim" src="${server.url}/launch" width="800" height="600"></iframe>`);
    });
    await new Promise<void>((r) => attacker.listen(port, "127.0.0.1", r));
    try {
      const context = await loggedInContext(browser, server);
      const page = await context.newPage();
      const framed = page.waitForResponse((r) => r.url() === `${server.url}/launch`);
      await page.goto(`http://127.0.0.1:${port}/`);
      expect((await framed).status()).toBe(200); // the browser fetched it, then refused to show it
      await page.waitForTimeout(500);
      const frame = page.frames().find((f) => f !== page.mainFrame())!;
      expect(frame.url()).toMatch(/^(chrome-error:\/\/|about:blank)/); // blocked: not the dashboard
      expect(await frame.locator("#launch-name").count()).toBe(0);
      await context.close();
    } finally {
      attacker.close();
    }
  });
});

describe("files", () => {
  it("makes the registry, its -wal and -shm owner-only, also for an existing file written by another program", async () => {
    const folder = tempDir("pm-modes-");
    const file = path.join(folder, "ayon.db");
    const ayon = new Database(file);
    ayon.pragma("journal_mode = WAL");
    ayon.exec(
      "CREATE TABLE process_info (hash TEXT PRIMARY KEY, name TEXT, executable TEXT, args TEXT, env TEXT, cwd TEXT, pid INTEGER, output_file TEXT, start_time REAL, created_at TEXT, stopped INTEGER DEFAULT 0)",
    );
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.chmodSync(f, 0o644);
    for (const driver of ["prisma", "direct"] as const) {
      const registry = await Registry.open(file, { driver });
      await registry.list();
      for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(mode(f), `${driver} ${f}`).toBe(0o600);
      await registry.close();
      for (const f of [file, `${file}-wal`, `${file}-shm`]) if (fs.existsSync(f)) fs.chmodSync(f, 0o644);
    }
    ayon.close();
    const fresh = path.join(folder, "new.db");
    const registry = await Registry.open(fresh);
    await registry.list();
    expect(mode(fresh)).toBe(0o600);
    await registry.close();
  });

  it("deletes output files only inside process_output/ and says which it left alone", async () => {
    const folder = tempDir("pm-confine-");
    const file = path.join(folder, "registry.db");
    const registry = await Registry.open(file);
    const precious = path.join(folder, "precious.txt");
    fs.writeFileSync(precious, "keep me");
    const outside = path.join(tempDir("pm-elsewhere-"), "elsewhere.log");
    fs.writeFileSync(outside, "keep me too");
    // A folder inside process_output/ that is a link to somewhere else.
    fs.mkdirSync(registry.outputDir, { recursive: true });
    const escapeDir = tempDir("pm-escape-");
    fs.symlinkSync(escapeDir, path.join(registry.outputDir, "linked"));
    fs.writeFileSync(path.join(escapeDir, "via-link.log"), "keep");
    const inside = registry.newOutputPath("inside");
    fs.writeFileSync(inside, "remove me");
    const store = (name: string, output: string, pid: number) =>
      registry.store({ name, executable: "/bin/true", pid, outputFile: output, stopped: true });
    const a = await store("a", precious, 4_500_100);
    const b = await store("b", `${registry.outputDir}/../precious.txt`, 4_500_101);
    const c = await store("c", path.join(registry.outputDir, "linked", "via-link.log"), 4_500_102);
    const d = await store("d", inside, 4_500_103);
    const e = await store("e", "/etc/hostname", 4_500_104);

    const one = await registry.remove(a.hash);
    expect(one.deleted).toBe(1);
    expect(one.filesLeftAlone).toEqual([{ file: precious, reason: `outside ${registry.outputDir}` }]);
    const rest = await registry.removeInactive();
    expect(rest.deleted).toBe(4);
    expect(rest.filesLeftAlone.map((f) => f.file).sort()).toEqual(
      [precious, path.join(registry.outputDir, "linked", "via-link.log"), "/etc/hostname"].sort(),
    );
    expect(fs.readFileSync(precious, "utf8")).toBe("keep me");
    expect(fs.readFileSync(path.join(escapeDir, "via-link.log"), "utf8")).toBe("keep");
    expect(fs.existsSync("/etc/hostname")).toBe(true);
    expect(fs.existsSync(inside)).toBe(false);
    expect([b, c, d, e].every(Boolean)).toBe(true);
    await registry.close();

    // The CLI says it too.
    const cli = spawnSync(process.execPath, ["bin/process-monitor.js", "prune", "--db", file], { encoding: "utf8" });
    expect(cli.status).toBe(0);
    const registry2 = await Registry.open(file);
    await registry2.store({ name: "f", executable: "/bin/true", pid: 4_500_105, outputFile: outside, stopped: true });
    await registry2.close();
    const pruned = spawnSync(process.execPath, ["bin/process-monitor.js", "prune", "--db", file], { encoding: "utf8" });
    expect(pruned.stdout).toBe(
      `Deleted 1 inactive record. Left 1 output file alone: ${outside} (outside ${path.join(folder, "process_output")}).\n`,
    );
    expect(fs.existsSync(outside)).toBe(true);
  });

  it("refuses to serve an output that is a device or a FIFO, at once", async () => {
    const registry = await Registry.open(dbPath);
    const fifo = path.join(registry.outputDir, "fifo.log");
    spawnSync("mkfifo", [fifo]);
    const zero = await registry.store({ name: "zero", executable: "/bin/true", pid: 4_500_200, outputFile: "/dev/zero", stopped: true });
    const pipe = await registry.store({ name: "fifo", executable: "/bin/true", pid: 4_500_201, outputFile: fifo, stopped: true });
    await registry.close();
    for (const record of [zero, pipe]) {
      for (const query of ["", "?offset=0", "?download=1", "/search?q=x", "/search?q=x&count=1", "/line?offset=5"]) {
        const response = await server.api(`/api/processes/${record.hash}/output${query}`);
        expect(response.status, `${record.name} ${query}`).toBe(404);
        expect((await response.json()).code).toBe("NOT_A_FILE");
      }
      const follow = await server.api(`/api/processes/${record.hash}/output?follow=1&offset=0`);
      const text = await follow.text(); // the stream ends after saying why
      expect(text).toContain("event: error");
      expect(text).toContain("not a regular file");
    }
  });

  it("rebuilds on `npm start` when anything that goes into the build changed, proxy.ts included", () => {
    expect(buildIsStale()).toBe(false);
    // On a checkout of its own: touching this one's sources made every CLI call of the other
    // tests meanwhile rebuild its bundle (under Wine, where esbuild cannot run, it failed).
    const copy = tempDir("pm-build-stale-");
    const past = new Date(Date.now() - 3_600_000);
    const built = ["proxy.ts", "next.config.js", "lib/auth/host-check.ts", "tsconfig.json", "package-lock.json", "app/page.tsx"];
    const notBuilt = [
      "README.md",
      "docs/api.md",
      "test/a.test.ts",
      "bench/run.ts",
      "scripts/serve.js",
      "bin/process-monitor.js",
      "node_modules/x/index.js",
      "lib/node_modules/y.js",
    ];
    for (const file of [...built, ...notBuilt, ".next/BUILD_ID"]) {
      fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
      fs.writeFileSync(path.join(copy, file), "");
      if (file !== ".next/BUILD_ID") fs.utimesSync(path.join(copy, file), past, past);
    }
    expect(buildIsStale(copy)).toBe(false);
    const future = new Date(Date.now() + 60_000);
    for (const [file, stale] of [...built.map((f) => [f, true] as const), ...notBuilt.map((f) => [f, false] as const)]) {
      fs.utimesSync(path.join(copy, file), future, future);
      try {
        expect(buildIsStale(copy), file).toBe(stale);
      } finally {
        fs.utimesSync(path.join(copy, file), past, past);
      }
    }
    fs.rmSync(path.join(copy, ".next"), { recursive: true });
    expect(buildIsStale(copy)).toBe(true);
  });
});
