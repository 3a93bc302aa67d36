import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import type { BrowserContext } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launch } from "../lib/launcher";
import { Registry } from "../lib/registry";
import { readProcStat } from "../lib/system/proc-linux";
import { launchBrowser } from "./support/browser";
import { loggedInContext, startServer, type RunningServer } from "./support/next-server";
import { seedMixedRegistry } from "./support/seed";
import { tempDir } from "./support/temp";

const shots = path.resolve("test-results", "screenshots");
fs.mkdirSync(shots, { recursive: true });

let browser: Browser;
let server: RunningServer;
let dir: string;
let dbPath: string;
const pids: number[] = [];
const keepers: Array<Promise<unknown>> = [];

beforeAll(async () => {
  dir = tempDir("pm-browser-");
  dbPath = path.join(dir, "registry.db");
  const seeded = await seedMixedRegistry(dbPath, dir);
  for (const l of seeded.launched) l.child.unref();
  pids.push(...seeded.pids);
  keepers.push(...seeded.launched.map((l) => l.exited));
  server = await startServer({ PROCESS_MONITOR_DB: dbPath, HOME: dir });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  for (const pid of pids) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  // Each keeper then records its program's end beside the registry (record-exits): the temp
  // folder is removed after that, not under it (removed first, it came back once on CI).
  await Promise.race([Promise.all(keepers), new Promise((r) => setTimeout(r, 20_000))]);
  for (let waited = 0; waited < 100 && recordingExits(dbPath); waited += 1) await new Promise((r) => setTimeout(r, 100));
});

/** Whether a keeper's `record-exits` call on this registry still runs (a launch through the server that just ended). */
function recordingExits(db: string): boolean {
  return spawnSync("pgrep", ["-f", `record-exits --db ${db}`]).status === 0;
}

// Open pages poll the server; close them after each test so they do not pile up.
const contexts: BrowserContext[] = [];
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});

async function page(colorScheme: "light" | "dark" = "light", width = 1440): Promise<Page> {
  const context = await loggedInContext(browser, server, { viewport: { width, height: 900 }, colorScheme });
  contexts.push(context);
  return context.newPage();
}

describe("dashboard in a real browser", () => {
  it("launches from the form, shows it running, its details, stops it and deletes it", async () => {
    const p = await page();
    await p.goto(`${server.url}/launch`);
    await p.fill("#launch-name", "browser-sleeper");
    await p.fill("#launch-executable", "sleep");
    await p.fill("#launch-args", "300");
    await p.fill("#launch-env", "SHOT=sh010\nAYON_API_KEY=very-secret-value");
    await p.fill("#launch-cwd", dir);
    await p.getByRole("button", { name: "Launch", exact: true }).click();
    await p.waitForURL(/\/processes\/[0-9a-f]{64}$/);
    const hash = p.url().split("/").pop()!;
    const registry = await Registry.open(dbPath);
    const record = (await registry.get(hash))!;
    await registry.close();
    pids.push(record.pid!);

    // Everything recorded is on the page.
    await expect.poll(() => p.textContent("h1")).toBe("browser-sleeper");
    await expect.poll(() => p.title()).toMatch(/^browser-sleeper \(pid \d+\) — running · Process Monitor$/);
    expect(await p.textContent("[data-testid=args]")).toContain("300");
    expect(await p.textContent("[data-testid=cwd]")).toBe(dir);
    expect(await p.textContent("[data-testid=command-line]")).toMatch(/\/sleep 300$/);
    const secretRow = p.locator('tr[data-env="AYON_API_KEY"]');
    expect(await secretRow.locator("[data-testid=env-masked]").count()).toBe(1);
    expect(await p.content()).not.toContain("very-secret-value");
    await secretRow.getByRole("button", { name: "Reveal AYON_API_KEY" }).click();
    expect(await secretRow.locator("[data-testid=env-value]").textContent()).toBe("very-secret-value");
    expect(await p.locator('tr[data-env="SHOT"] [data-testid=env-value]').textContent()).toBe("sh010");

    // On the list, running.
    const list = await page();
    await list.goto(`${server.url}/?q=browser-sleeper`);
    const row = list.locator(`tr[data-hash="${hash}"]`);
    expect(await row.locator("[data-status]").getAttribute("data-status")).toBe("running");

    // Stop asks first, naming the record and its pid; cancelled, nothing happens.
    await p.getByRole("button", { name: "Stop", exact: true }).click();
    const asking = p.locator("dialog[open]");
    expect(await asking.getByRole("heading").textContent()).toBe("Stop “browser-sleeper”?");
    expect(await asking.textContent()).toContain(`browser-sleeper (pid ${record.pid})`);
    await asking.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => asking.count()).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(readProcStat(record.pid!)?.state).toMatch(/[RS]/);
    // Stop from the detail page, confirmed: it ends with SIGTERM, and the page says so.
    await p.getByRole("button", { name: "Stop", exact: true }).click();
    await p.locator("dialog[open]").getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => p.textContent("[data-testid=action-message]"), { timeout: 15_000 }).toMatch(/Stopped browser-sleeper/);
    await expect.poll(() => p.locator("h1 + [data-status]").textContent(), { timeout: 15_000 }).toBe("stopped by user (SIGTERM)");
    expect(readProcStat(record.pid!)?.state ?? "gone").not.toMatch(/[RS]/);

    // Delete, confirmed: back on the list without it.
    await p.getByRole("button", { name: "Delete", exact: true }).click();
    await p.locator("dialog[open]").getByRole("button", { name: "Delete" }).click();
    await p.waitForURL(`${server.url}/?deleted=1`);
    expect(await p.locator(`tr[data-hash="${hash}"]`).count()).toBe(0);
  });

  it("shows field errors from the launch form without launching anything", async () => {
    const p = await page();
    await p.goto(`${server.url}/launch`);
    await p.fill("#launch-name", "");
    await p.fill("#launch-executable", "/opt/no/such/maya");
    await p.fill("#launch-env", "NOT A PAIR");
    await p.getByRole("button", { name: "Launch", exact: true }).click();
    await expect.poll(() => p.textContent("#launch-env-error")).toMatch(/expected KEY=VALUE/);
    await p.fill("#launch-env", "");
    await p.getByRole("button", { name: "Launch", exact: true }).click();
    await expect.poll(() => p.textContent("#launch-name-error")).toMatch(/Name is required/);
    await p.fill("#launch-name", "ghost");
    await p.getByRole("button", { name: "Launch", exact: true }).click();
    await expect.poll(() => p.textContent("#launch-executable-error")).toMatch(/\/opt\/no\/such\/maya does not exist/);
    expect(p.url()).toBe(`${server.url}/launch`);
    // What was typed survives the round trip.
    expect(await p.inputValue("#launch-name")).toBe("ghost");
  });

  it("answers an unknown hash with the 404 page, and a malformed one too", async () => {
    const p = await page();
    const response = await p.goto(`${server.url}/processes/${"0".repeat(64)}`);
    expect(response?.status()).toBe(404);
    expect(await p.textContent("[data-testid=process-not-found] h1")).toBe("No such process record");
    await p.screenshot({ path: path.join(shots, "not-found.png"), fullPage: true });
    const bad = await p.goto(`${server.url}/processes/..%2F..%2Fetc%2Fpasswd`);
    expect(bad?.status()).toBe(404);
    await p.getByRole("link", { name: "Back to all processes" }).click();
    await p.waitForURL(`${server.url}/`);
  });

  it("shows a deleted record's open page as deleted instead of failing", async () => {
    const registry = await Registry.open(dbPath);
    const extra = await registry.store({ name: "about-to-go", executable: "/bin/true", pid: 4_100_000 });
    const p = await page();
    await p.goto(`${server.url}/processes/${extra.hash}`);
    await registry.delete(extra.hash);
    await registry.close();
    await p.waitForSelector("[data-testid=record-deleted]", { timeout: 15_000 });
    expect(await p.textContent("h1")).toBe("about-to-go");
  });

  it("takes screenshots of the list and a detail page, light and dark", async () => {
    for (const scheme of ["light", "dark"] as const) {
      const p = await page(scheme);
      await p.goto(server.url);
      await p.waitForSelector("table");
      await p.waitForTimeout(300);
      await p.screenshot({ path: path.join(shots, `list-${scheme}.png`), fullPage: true });
      await p.getByRole("link", { name: "houdini" }).click();
      await p.waitForSelector("[data-testid=descendants]");
      await expect.poll(() => p.getAttribute("[data-testid=usage-chart]", "data-samples"), { timeout: 10_000 }).not.toMatch(/^[01]$/);
      // The time axis: elapsed from the first point, each tick once (issue 42: "16:30 … 18:21", one tick thrice).
      const xTicks = p.locator("[data-testid=usage-chart] .recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value");
      await expect.poll(() => xTicks.count(), { timeout: 10_000 }).toBeGreaterThan(1);
      const ticks = await xTicks.allTextContents();
      expect(ticks[0]).toBe("+0s");
      expect(ticks.every((t) => /^\+\d/.test(t))).toBe(true);
      expect(new Set(ticks).size).toBe(ticks.length);
      // The CPU axis at even whole steps (it read 0/3/6/10 %).
      const cpuTicks = await p
        .locator("[data-testid=usage-chart] .recharts-yAxis-tick-labels")
        .first()
        .locator(".recharts-cartesian-axis-tick-value")
        .allTextContents();
      const steps = cpuTicks.map((t) => Number.parseFloat(t)).map((v, i, all) => (i ? v - all[i - 1]! : v));
      expect(steps[0], cpuTicks.join(" ")).toBe(0);
      expect(new Set(steps.slice(1)).size, cpuTicks.join(" ")).toBe(1);
      await p.screenshot({ path: path.join(shots, `detail-${scheme}.png`), fullPage: true });
    }
    const narrow = await page("light", 1024);
    await narrow.goto(server.url);
    await narrow.screenshot({ path: path.join(shots, "list-laptop.png"), fullPage: true });
    expect(fs.statSync(path.join(shots, "list-light.png")).size).toBeGreaterThan(10_000);
  }, 90_000);
});

describe("list behaviour", () => {
  it("keeps sort, filter, scroll, selection and an open dialog across auto-refresh", async () => {
    const registry = await Registry.open(dbPath);
    for (let i = 0; i < 60; i++)
      await registry.store({ name: `batch-${String(i).padStart(2, "0")}`, executable: "/bin/true", pid: 4_200_000 + i, stopped: true });
    await registry.close();
    const p = await page("light", 1280);
    const url = `${server.url}/?status=stopped&q=batch&sort=name&dir=asc`;
    await p.goto(url);
    const names = await p.locator("tbody tr td:nth-child(3) a").allTextContents();
    expect(names.slice(0, 3)).toEqual(["batch-00", "batch-01", "batch-02"]);
    const row = p.locator("tr[data-hash]").nth(40);
    await row.locator("input[type=checkbox]").check();
    await row.getByRole("button", { name: /^Delete / }).click();
    const scrollBefore = await p.evaluate(() => window.scrollY);
    expect(scrollBefore).toBeGreaterThan(1000);
    const generated = await p.getAttribute("[data-testid=refresh-status]", "data-generated-at");

    await expect
      .poll(() => p.getAttribute("[data-testid=refresh-status]", "data-generated-at"), { timeout: 20_000, interval: 250 })
      .not.toBe(generated);
    expect(p.url()).toBe(url);
    expect(await p.evaluate(() => window.scrollY)).toBe(scrollBefore);
    expect(await row.locator("input[type=checkbox]").isChecked()).toBe(true);
    expect(await p.locator("dialog[open]").count()).toBe(1);
    expect(await p.locator("tbody tr td:nth-child(3) a").allTextContents()).toEqual(names);
    await p.locator("dialog[open]").getByRole("button", { name: "Cancel" }).click();
  }, 60_000);

  it("lists the failed records under Failed: a non-zero exit or a signal from outside, not a clean exit", async () => {
    const registry = await Registry.open(dbPath);
    const end = (name: string, exit: { exitCode?: number; exitSignal?: string }, pid: number) =>
      registry.store({ name, executable: "/bin/true", pid, stopped: true, ...exit });
    await end("fcheck-exit-3", { exitCode: 3 }, 4_300_101);
    await end("fcheck-killed", { exitSignal: "SIGKILL" }, 4_300_102);
    await end("fcheck-clean", { exitCode: 0 }, 4_300_103);
    // Stops of ours are no failure, whichever signal ended them.
    await registry.markStopRequested((await end("fcheck-ours-term", { exitSignal: "SIGTERM" }, 4_300_104)).hash, "SIGTERM");
    await registry.markStopRequested((await end("fcheck-ours-kill", { exitSignal: "SIGKILL" }, 4_300_105)).hash, "SIGKILL");
    await registry.close();
    const p = await page("light", 1280);
    // One rule, three places (issue 38): the red badge of a row, the badge of its page, and the filter.
    await p.goto(`${server.url}/?q=fcheck`);
    const redRows = async () => (await p.locator('tbody tr:has([data-failed="true"]) td:nth-child(3) a').allTextContents()).sort();
    await expect.poll(redRows).toEqual(["fcheck-exit-3", "fcheck-killed"]);
    const pages = await p
      .locator("tbody tr td:nth-child(3) a")
      .evaluateAll((links) => links.map((a) => ({ name: a.textContent!, href: (a as HTMLAnchorElement).href })));
    expect(pages).toHaveLength(5);
    const redPages: string[] = [];
    for (const { name, href } of pages) {
      const detail = await (await server.api(new URL(href).pathname)).text();
      const badge = /<span[^>]*data-status="stopped"[^>]*data-failed="(true|false)"/.exec(detail);
      expect(badge, `${name}'s page has a status badge`).not.toBeNull();
      if (badge![1] === "true") redPages.push(name);
    }
    expect(redPages.sort()).toEqual(["fcheck-exit-3", "fcheck-killed"]);
    await p
      .getByRole("navigation", { name: "Filter by status" })
      .getByRole("link", { name: /^failed/i })
      .click();
    await expect.poll(() => new URL(p.url()).searchParams.get("status")).toBe("failed");
    await expect.poll(async () => (await p.locator("tbody tr td:nth-child(3) a").allTextContents()).sort()).toEqual(await redRows());
    // Its count is the registry's, beside the others.
    expect(await p.getByRole("navigation", { name: "Filter by status" }).textContent()).toMatch(/failed\s*\d+/i);
    await p.screenshot({ path: path.join(shots, "list-failed.png"), fullPage: true });
    // Names sort A→Z on the first click, then Z→A; numbers largest first.
    await p.locator("thead").getByRole("link", { name: "Name" }).click();
    await expect.poll(() => new URL(p.url()).searchParams.get("dir")).toBe("asc");
    await expect.poll(() => p.locator("tbody tr td:nth-child(3) a").allTextContents()).toEqual(["fcheck-exit-3", "fcheck-killed"]);
    await p.locator("thead").getByRole("link", { name: "Name" }).click();
    await expect.poll(() => p.locator("tbody tr td:nth-child(3) a").allTextContents()).toEqual(["fcheck-killed", "fcheck-exit-3"]);
    expect(await p.locator("thead").getByRole("link", { name: "PID" }).getAttribute("href")).not.toContain("dir=asc");
    const phone = await page("light", 390);
    await phone.goto(p.url());
    // Four filters still fit a phone's width.
    const filters = phone.getByRole("navigation", { name: "Filter by status" });
    expect((await filters.boundingBox())!.width).toBeLessThanOrEqual(390);
    // A card says its pid (these rows have no start time); an ended one no empty "CPU – –".
    const card = phone.locator("tbody tr", { hasText: "fcheck-exit-3" });
    expect(await card.innerText()).toMatch(/pid \d+/);
    expect(await card.innerText()).not.toMatch(/CPU/);
    // One labelled sort control, not two rows of bare links: choosing Name sorts A→Z and says so.
    await expect.poll(() => phone.locator("thead").getByRole("link", { name: "Name" }).isVisible()).toBe(false);
    // (It opens sorted Z→A by name, from the clicks above.)
    await phone.getByLabel("Sort by").selectOption("pid");
    await expect.poll(() => new URL(phone.url()).searchParams.get("sort")).toBe("pid");
    await phone.getByLabel("Sort by").selectOption("name");
    await expect.poll(() => new URL(phone.url()).searchParams.get("sort")).toBe("name");
    expect(new URL(phone.url()).searchParams.get("dir")).toBe("asc");
    await expect.poll(() => phone.locator("tbody tr td:nth-child(3) a").allTextContents()).toEqual(["fcheck-exit-3", "fcheck-killed"]);
    await phone.getByRole("link", { name: "Sorted A → Z: reverse" }).click();
    await expect.poll(() => phone.locator("tbody tr td:nth-child(3) a").allTextContents()).toEqual(["fcheck-killed", "fcheck-exit-3"]);
    await phone.screenshot({ path: path.join(shots, "list-failed-phone.png"), fullPage: true });
  });

  it("stops a multi-selection after asking, naming what it stops", async () => {
    const registry = await Registry.open(dbPath);
    const hashes: string[] = [];
    try {
      for (const name of ["stopsel-a", "stopsel-b"]) {
        const launched = await launch(registry, { name, executable: "/bin/sleep", args: ["300"] });
        launched.child.unref();
        pids.push(launched.record.pid!);
        hashes.push(launched.record.hash);
      }
    } finally {
      await registry.close();
    }
    const p = await page();
    await p.goto(`${server.url}/?q=stopsel`);
    await expect.poll(() => p.locator("tr[data-hash]").count()).toBe(2);
    // The header marks the page you are on.
    const nav = p.getByRole("navigation", { name: "Main" });
    expect(await nav.getByRole("link", { name: "Processes" }).getAttribute("aria-current")).toBe("page");
    expect(await nav.getByRole("link", { name: "Sessions" }).getAttribute("aria-current")).toBeNull();
    await p.locator("tr[data-hash] input[type=checkbox]").nth(0).check();
    await p.locator("tr[data-hash] input[type=checkbox]").nth(1).check();
    await p.getByRole("button", { name: "Stop selected (2)" }).click();
    const dialog = p.locator("dialog[open]");
    expect(await dialog.innerText()).toMatch(/Stop 2 running processes\?[\s\S]*stopsel-(a|b) \(pid \d+\)[\s\S]*SIGKILL after 5 s/);
    await p.screenshot({ path: path.join(shots, "stop-selected.png") });
    await dialog.getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => p.textContent("[data-testid=action-message]"), { timeout: 20_000 }).toBe("Stopped 2 processes.");
    await expect.poll(() => p.locator("tr[data-hash] [data-status=stopped]").count(), { timeout: 20_000 }).toBe(2);
    expect(await p.locator("tr[data-hash]").first().innerText()).toMatch(/stopped by user/);
  });

  it("notifies once, in one of two open tabs, when a watched record ends, with why it ended", async () => {
    const registry = await Registry.open(dbPath);
    let hash: string;
    try {
      const launched = await launch(registry, { name: "watch-me", executable: "/bin/sh", args: ["-c", "sleep 4; exit 4"] });
      launched.child.unref();
      pids.push(launched.record.pid!);
      hash = launched.record.hash;
    } finally {
      await registry.close();
    }
    const context = await loggedInContext(browser, server, { viewport: { width: 1280, height: 900 }, permissions: ["notifications"] });
    contexts.push(context);
    // What each tab shows, kept for the test (the real notification is made too).
    await context.addInitScript(() => {
      const Real = window.Notification;
      const shown: Array<{ title: string; body?: string }> = [];
      (window as unknown as { shown: typeof shown }).shown = shown;
      const Spy = function (title: string, options?: NotificationOptions) {
        shown.push({ title, body: options?.body });
        return new Real(title, options);
      } as unknown as typeof Notification;
      Object.defineProperty(Spy, "permission", { get: () => Real.permission });
      Spy.requestPermission = Real.requestPermission.bind(Real);
      window.Notification = Spy;
    });
    const detail = await context.newPage();
    await detail.goto(`${server.url}/processes/${hash}`);
    await detail.getByRole("button", { name: "Notify me when it ends" }).click();
    await expect.poll(() => detail.getByTestId("watch-record").innerText()).toBe("Will notify when it ends");
    await detail.screenshot({ path: path.join(shots, "watch-record.png") });
    const list = await context.newPage();
    await list.goto(`${server.url}/`);
    const shown = async () => [
      ...(await detail.evaluate(() => (window as unknown as { shown: unknown[] }).shown)),
      ...(await list.evaluate(() => (window as unknown as { shown: unknown[] }).shown)),
    ];
    await expect.poll(shown, { timeout: 20_000 }).toEqual([{ title: "watch-me ended", body: "Exited with code 4" }]);
    // Told once: the record left the list of watched ones, and the ended page offers no watch.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(await shown()).toHaveLength(1);
    await expect.poll(() => detail.getByTestId("watch-record").count(), { timeout: 10_000 }).toBe(0);
  });

  it("deletes a multi-selection, then all inactive records, reporting how many went", async () => {
    const p = await page();
    await p.goto(`${server.url}/?status=stopped&q=batch`);
    await p.locator("tr[data-hash] input[type=checkbox]").nth(0).check();
    await p.locator("tr[data-hash] input[type=checkbox]").nth(1).check();
    await p.getByRole("button", { name: "Delete selected (2)" }).click();
    await p.locator("dialog[open]").getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => p.textContent("[data-testid=action-message]")).toBe("Deleted 2 records.");

    const registry = await Registry.open(dbPath);
    const stopped = (await registry.list()).filter((r) => r.status === "stopped").length;
    await registry.close();
    await p.goto(server.url);
    await p.getByRole("button", { name: /^Delete all inactive/ }).click();
    await p.locator("dialog[open]").getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => p.textContent("[data-testid=action-message]")).toBe(`Deleted ${stopped} inactive records.`);
    await p.screenshot({ path: path.join(shots, "after-prune.png"), fullPage: true });
    await expect.poll(async () => await p.locator("[data-status=stopped]").count()).toBe(0);
  });

  it("still opens a bookmarked detail page after the server restarts", async () => {
    const registry = await Registry.open(dbPath);
    const maya = (await registry.getByName("maya"))!;
    await registry.close();
    const bookmark = `${server.url}/processes/${maya.hash}`;
    const p = await page();
    await p.goto(bookmark);
    expect(await p.textContent("h1")).toBe("maya");
    await server.stop();
    server = await startServer({ PROCESS_MONITOR_DB: dbPath, HOME: dir }, server.port, server.token);
    const response = await p.goto(bookmark);
    expect(response?.status()).toBe(200);
    expect(await p.textContent("h1")).toBe("maya");
    expect(await p.locator("h1 + [data-status]").getAttribute("data-status")).toBe("running");
  }, 90_000);
});
