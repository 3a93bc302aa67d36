import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Registry } from "../lib/registry";
import { launchBrowser } from "./support/browser";
import { loggedInContext, startServer, type RunningServer } from "./support/next-server";
import { tempDir } from "./support/temp";

let server: RunningServer;
let browser: Browser;
let dbPath: string;
let outputDir: string;
let hash: string;

/** Everything the registry holds, and the output folder's listing: must not change. */
function fingerprint(): string {
  const db = new Database(dbPath, { readonly: true });
  const rows = db.prepare("SELECT * FROM process_info ORDER BY hash").raw().all();
  db.close();
  const files = fs.existsSync(outputDir) ? fs.readdirSync(outputDir).sort() : [];
  return crypto
    .createHash("sha256")
    .update(JSON.stringify([rows, files]))
    .digest("hex");
}

beforeAll(async () => {
  const dir = tempDir("pm-fuzz-");
  dbPath = path.join(dir, "registry.db");
  const registry = await Registry.open(dbPath);
  outputDir = registry.outputDir;
  const out = registry.newOutputPath("victim");
  fs.writeFileSync(out, "line 1\nline 2\n");
  hash = (await registry.store({ name: "victim", executable: "/bin/true", pid: 4_400_000, outputFile: out, stopped: false })).hash;
  await registry.close();
  // Many wrong logins below: the per-address limit is raised so the browser test can still log in.
  server = await startServer({ PROCESS_MONITOR_DB: dbPath, HOME: dir, PROCESS_MONITOR_LOGIN_TRIES: "100000" });
  browser = await launchBrowser();
  // First list: marks the victim stopped (its pid is not alive), before the fingerprint.
  await (await server.api("/api/processes")).arrayBuffer();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const traversal = [
  "../../../../etc/passwd",
  "..%2F..%2Fetc%2Fpasswd",
  "/etc/passwd",
  "....//....//etc/shadow",
  "%00",
  "\u0000",
  "C:\\Windows\\system32",
];
const nasty = [
  "",
  " ",
  "💥🧨",
  "ｍａｙａ",
  "\u202Eevil",
  "a".repeat(100_000),
  "<script>alert(1)</script>",
  "'; DROP TABLE process_info; --",
  ...traversal,
];
const numbers = ["-1", "-9999999999999999999", "1e400", "NaN", "Infinity", "0x10", "1.5", "99999999999999999999999", "", "abc"];

describe("fuzzing every endpoint with malformed input", () => {
  it("answers only 4xx and leaves the registry unchanged", async () => {
    const before = fingerprint();
    const results: Array<{ request: string; status: number }> = [];
    const hit = async (route: string, init: RequestInit = {}) => {
      let status: number;
      try {
        const response = await server.api(route, init);
        status = response.status;
        if (route.includes("follow=1") && response.ok) await response.body?.cancel();
        else await response.arrayBuffer();
      } catch (error) {
        status = -1;
        results.push({ request: `${init.method ?? "GET"} ${route.slice(0, 80)} threw ${(error as Error).message}`, status });
        return;
      }
      results.push({ request: `${init.method ?? "GET"} ${route.slice(0, 120)}`, status });
    };
    const q = encodeURIComponent;

    for (const value of nasty) {
      if (value === "") continue; // "/api/processes/" is the list itself
      await hit(`/api/processes/${q(value)}`);
      await hit(`/api/processes/${q(value)}`, { method: "DELETE" });
      await hit(`/api/processes/${q(value)}/stop`, { method: "POST" });
      await hit(`/api/processes/${q(value)}/output`);
      await hit(`/api/processes/${q(value)}/usage`);
      await hit(`/api/processes?status=${q(value)}`);
      await hit(`/api/processes/${hash}/output/search?q=${q(value.length > 1000 ? value : value + "x".repeat(1001))}`);
    }
    for (const n of numbers) {
      await hit(`/api/processes?limit=${q(n === "" ? "-1" : n)}`);
      await hit(`/api/processes?offset=${q(n === "" ? "-1" : n)}`);
      await hit(`/api/processes/${hash}/output?offset=${q(n === "" ? "-1" : n)}&length=${q(n === "" ? "x" : n)}`);
      await hit(`/api/processes/${hash}/output/line?offset=${q(n === "" ? "x" : n)}`);
      await hit(`/api/processes/${hash}/output/search?q=x&from=${q(n === "" ? "x" : n)}`);
    }
    await hit(`/api/processes/${hash}/output?format=xml`);
    await hit(`/api/processes/${hash}/output?follow=2`);
    await hit(`/api/processes/${hash}/output/search`);

    const bodies: unknown[] = [
      null,
      [],
      "string",
      42,
      {},
      { name: 1, executable: "/bin/true" },
      { name: "x", executable: ["/bin/true"] },
      { name: "x", executable: "/bin/true", args: "not-a-list" },
      { name: "x", executable: "/bin/true", args: [1, 2] },
      { name: "x", executable: "/bin/true", env: ["A=1"] },
      { name: "x", executable: "/bin/true", env: { A: 1 } },
      { name: "x", executable: "/bin/true", env: { "A=B": "1" } },
      { name: "x", executable: "/bin/true", envMode: "sometimes" },
      { name: "x", executable: "/bin/true", cwd: 5 },
      { name: "x", executable: "/bin/true", unexpected: true },
      { name: "x".repeat(300), executable: "/bin/true" },
      { name: "\u0000", executable: "/bin/true" },
      { name: "ok", executable: "/bin/true", args: ["a\u0000b"] },
      { name: "ok", executable: "/bin/true", args: Array(5000).fill("a") },
      ...traversal.map((t) => ({ name: t, executable: t.startsWith("/") ? "/etc/passwd" : t })),
      ...traversal.map((t) => ({ name: "ok", executable: "/bin/true", cwd: `/nonexistent/${t}` })),
      { name: "💥", executable: "💥/🧨" },
      JSON.parse(`{"a":${"[".repeat(2000)}${"]".repeat(2000)}}`),
    ];
    for (const body of bodies) {
      await hit("/api/processes", { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    }
    await hit("/api/processes", { method: "POST", body: "{truncated", headers: { "content-type": "application/json" } });
    await hit("/api/processes", { method: "POST", body: "x".repeat(3 * 1024 * 1024), headers: { "content-type": "application/json" } });
    await hit("/api/processes", {
      method: "POST",
      body: Buffer.from([0xff, 0xfe, 0x00, 0x7b]),
      headers: { "content-type": "application/json" },
    });
    for (const body of [{ force: "yes" }, { graceSeconds: -1 }, { graceSeconds: 1e9 }, { extra: 1 }, [], "x"]) {
      await hit(`/api/processes/${"f".repeat(64)}/stop`, { method: "POST", body: JSON.stringify(body) });
      await hit(`/api/processes/${hash}/stop`, { method: "POST", body: JSON.stringify(body) });
    }

    // The login form's endpoint: wrong, missing, huge and malformed tokens.
    const json = { "content-type": "application/json", accept: "application/json" };
    const form = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
    for (const value of [...nasty, ...numbers]) {
      await hit("/session", { method: "POST", headers: form, body: new URLSearchParams({ token: value, next: value }).toString() });
      await hit("/session", { method: "POST", headers: json, body: JSON.stringify({ token: value, next: value }) });
    }
    for (const body of ["{truncated", "[]", "null", "42", '{"token":["a"]}', '{"token":{"$ne":""}}', "x".repeat(200_000)]) {
      await hit("/session", { method: "POST", headers: json, body });
    }
    await hit("/session", {
      method: "POST",
      headers: { ...form, "content-type": "multipart/form-data; boundary=x" },
      body: "--x\r\nbroken",
    });
    await hit("/session");
    await hit("/logout");
    await hit("/logout", { method: "POST", headers: { origin: "http://evil.example" } });
    await hit("/sessions", { method: "POST", headers: { origin: "http://evil.example" } });

    const bad = results.filter((r) => r.status < 400 || r.status >= 500);
    expect(bad).toEqual([]);
    expect(results.length).toBeGreaterThan(150);
    expect(fingerprint()).toBe(before);
  }, 120_000);

  it("keeps the login page's next on this dashboard whatever it is given", async () => {
    const crafted = [
      "/%5Cevil.example/x",
      "/%09/evil.example",
      "//evil.example",
      "/\\evil.example",
      "https://evil.example/",
      "javascript:alert(1)",
      "/%2F%2Fevil.example",
      "/ok?x=1#y",
    ];
    for (const value of [...nasty, ...crafted]) {
      const response = await fetch(`${server.url}/login?next=${encodeURIComponent(value)}`);
      if (value.length > 16_000) {
        expect(response.status).toBe(431); // Node refuses a URL that long before we see it
        continue;
      }
      expect(response.status).toBe(200);
      const next = /name="next" value="([^"]*)"/.exec(await response.text())?.[1]?.replace(/&amp;/g, "&");
      expect(next, value).toBeDefined();
      const resolved = new URL(next!, server.url);
      expect(resolved.origin, `next=${value} gave ${next}`).toBe(server.url);
      expect(next!.startsWith("/") && !next!.startsWith("//") && !next!.includes("\\"), next).toBe(true);
    }
  }, 60_000);

  it("refuses malformed launch form input with messages and launches nothing", async () => {
    const before = fingerprint();
    const context = await loggedInContext(browser, server);
    const page = await context.newPage();
    const cases: Array<Record<string, string>> = [
      { name: "", executable: "/bin/true" },
      { name: "x", executable: "" },
      { name: "x".repeat(5000), executable: "/bin/true" },
      { name: "x", executable: "../../../../etc/passwd" },
      { name: "x", executable: "/bin/true", cwd: "../../../../nonexistent/dir" },
      { name: "x", executable: "/bin/true", env: "=nokey\nno equals" },
      { name: "💥", executable: "💥/🧨", args: "a\nb" },
      { name: "x", executable: "/bin/true", args: "x".repeat(70_000) },
    ];
    for (const fields of cases) {
      await page.goto(`${server.url}/launch`, { waitUntil: "networkidle" });
      await page.evaluate((values) => {
        for (const [key, value] of Object.entries(values)) {
          const element = document.querySelector<HTMLInputElement | HTMLTextAreaElement>(`#launch-${key}`)!;
          element.value = value;
        }
      }, fields);
      await page.getByRole("button", { name: "Launch", exact: true }).click();
      await page.waitForSelector("[id$=-error]", { timeout: 10_000 }).catch(async (error) => {
        throw new Error(
          `no field error for ${JSON.stringify(fields).slice(0, 200)}: ${error.message}\n${(await page.textContent("main"))?.slice(0, 500)}`,
        );
      });
      expect(page.url()).toBe(`${server.url}/launch`);
    }
    await context.close();
    expect(fingerprint()).toBe(before);
  }, 120_000);
});
