import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Registry } from "../lib/registry";
import { launchBrowser } from "./support/browser";
import { FLEET_KEY, fleetHosts, waitUntil } from "./support/fleet";
import { freePort, loggedInContext, startServer, type RunningServer } from "./support/next-server";
import { tempDir } from "./support/temp";

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const shots = path.resolve("test-results", "screenshots");
const dir = tempDir("pm-a11y-");
const dbPath = path.join(dir, "registry.db");
let server: RunningServer;
let browser: Browser;
let sleeper: ChildProcess;
let running: string;
let stopped: string;

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  const registry = await Registry.open(dbPath);
  fs.mkdirSync(registry.outputDir, { recursive: true });
  sleeper = spawn("/bin/sleep", ["600"], { stdio: "ignore" });
  const liveOut = path.join(registry.outputDir, "maya.log");
  fs.writeFileSync(
    liveOut,
    Array.from(
      { length: 300 },
      (_, i) => `\x1b[32mframe ${i}\x1b[0m rendered in /projects/show/seq/sh010/render/v042/exr/a/very/long/path/frame.${i}.exr`,
    ).join("\n") + "\n",
  );
  running = (
    await registry.store({
      name: "maya-lighting-sh010-with-a-long-name",
      executable: "/bin/sleep",
      args: ["600", "--scene", "/projects/show/seq/sh010/lighting/work/maya/scenes/sh010_lighting_v042_with_a_very_long_file_name.ma"],
      env: { SHOT: "sh010", OCIO: "/studio/config/ocio/aces_1.2/config.ocio" },
      cwd: "/projects/show/seq/sh010/lighting/work/maya",
      pid: sleeper.pid!,
      startTime: null,
      outputFile: liveOut,
    })
  ).hash;
  const out = path.join(registry.outputDir, "nuke.log");
  fs.writeFileSync(out, "done\n");
  stopped = (await registry.store({ name: "nuke", executable: "/bin/true", pid: 4_999_001, outputFile: out, stopped: true, exitCode: 3 }))
    .hash;
  await registry.close();
  // A hub that reports its own workstation to itself, so the fleet's pages have a host and records.
  const port = await freePort();
  const fleet = {
    PROCESS_MONITOR_HUB: "1",
    PROCESS_MONITOR_FLEET_KEY: FLEET_KEY,
    PROCESS_MONITOR_HUB_URL: `http://127.0.0.1:${port}`,
    PROCESS_MONITOR_HUB_KEY: FLEET_KEY,
    PROCESS_MONITOR_HOST_NAME: "lighting-ws-042.studio.example",
    PROCESS_MONITOR_REPORT_SECONDS: "1",
  };
  [server, browser] = await Promise.all([startServer({ PROCESS_MONITOR_DB: dbPath, HOME: dir, ...fleet }, port), launchBrowser()]);
  await waitUntil("the workstation's report on the hub", async () => (await fleetHosts(server))[0]?.total === 2);
}, 120_000);

afterAll(async () => {
  sleeper?.kill("SIGKILL");
  await browser?.close();
  await server?.stop();
});

const VIEWPORTS = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone390", width: 390, height: 844 },
  { name: "phone360", width: 360, height: 740 },
] as const;

async function audit(page: Page) {
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            opts: object,
          ) => Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map(
        (v) =>
          `${v.id} (${v.impact}): ${v.help} — ${v.nodes
            .slice(0, 3)
            .map((n) => n.target.join(" "))
            .join(", ")}`,
      );
  });
}

describe("every page at desktop and phone width, light and dark", () => {
  const pages = () => [
    { name: "list", url: "/" },
    { name: "detail", url: `/processes/${running}` },
    { name: "detail-stopped", url: `/processes/${stopped}` },
    { name: "output", url: `/processes/${running}/output` },
    { name: "launch", url: "/launch" },
    { name: "sessions", url: "/sessions" },
    { name: "not-found", url: `/processes/${"0".repeat(64)}` },
    { name: "login", url: "/login", anonymous: true },
    { name: "fleet", url: "/fleet" },
    { name: "fleet-host", url: "/fleet/lighting-ws-042.studio.example" },
    { name: "fleet-detail", url: `/fleet/lighting-ws-042.studio.example/processes/${running}` },
  ];

  it("fits without sideways scrolling, has one h1 and a main landmark, and has no serious axe violations", async () => {
    const problems: string[] = [];
    for (const viewport of VIEWPORTS) {
      for (const scheme of ["light", "dark"] as const) {
        const options = {
          viewport: { width: viewport.width, height: viewport.height },
          colorScheme: scheme,
          deviceScaleFactor: viewport.name === "desktop" ? 1 : 2,
        };
        const logged = await loggedInContext(browser, server, options);
        const anonymous = await browser.newContext(options);
        for (const target of pages()) {
          const page = await (target.anonymous ? anonymous : logged).newPage();
          await page.goto(`${server.url}${target.url}`, { waitUntil: "networkidle" });
          await page.waitForTimeout(150);
          // A page that calls notFound() while it streams is drawn by the client once it hydrates:
          // on a loaded machine later than the settle wait (its h1 is then missing for a moment).
          await page
            .locator("h1")
            .first()
            .waitFor({ timeout: 5_000 })
            .catch(() => undefined);
          const where = `${target.name} ${viewport.name} ${scheme}`;
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          if (overflow > 0) problems.push(`${where}: the page scrolls sideways by ${overflow}px`);
          const h1 = await page.locator("h1").count();
          if (h1 !== 1) problems.push(`${where}: ${h1} h1 elements`);
          if ((await page.locator("main").count()) !== 1) problems.push(`${where}: no single <main>`);
          // axe's rules read colours, names and roles, which two widths cover; 360 px is for the layout checks above.
          if (viewport.name !== "phone360") for (const violation of await audit(page)) problems.push(`${where}: ${violation}`);
          if (viewport.name !== "desktop")
            await page.screenshot({ path: path.join(shots, `${viewport.name}-${target.name}-${scheme}.png`), fullPage: true });
          await page.close();
        }
        await logged.close();
        await anonymous.close();
      }
    }
    expect(problems).toEqual([]);
  }, 300_000);
});

describe("keyboard only", () => {
  /** Presses Tab until the focused element matches, as a keyboard user would. */
  async function tabTo(
    page: Page,
    matches: (el: { tag: string; text: string; href: string | null }) => boolean,
    limit = 80,
  ): Promise<void> {
    for (let i = 0; i < limit; i++) {
      await page.keyboard.press("Tab");
      const el = await page.evaluate(() => {
        const a = document.activeElement as HTMLElement | null;
        return a ? { tag: a.tagName.toLowerCase(), text: (a.textContent ?? "").trim(), href: a.getAttribute("href") } : null;
      });
      if (el && matches(el)) return;
    }
    throw new Error("never reached the element with Tab");
  }
  const focusVisible = (page: Page) =>
    page.evaluate(() => {
      const a = document.activeElement as HTMLElement;
      return a.matches(":focus-visible") && getComputedStyle(a).outlineStyle !== "none";
    });

  it("goes from the list to a record, stops it and deletes it, with visible focus, and the dialog traps focus and gives it back", async () => {
    const victim = spawn("/bin/sleep", ["600"], { stdio: "ignore" });
    const registry = await Registry.open(dbPath);
    const record = await registry.store({ name: "keyboard-victim", executable: "/bin/sleep", pid: victim.pid!, startTime: null });
    await registry.close();
    const context = await loggedInContext(browser, server, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const page = await context.newPage();
    await page.goto(`${server.url}/`, { waitUntil: "networkidle" });

    await tabTo(page, (el) => el.tag === "a" && el.text === "keyboard-victim");
    expect(await focusVisible(page)).toBe(true);
    await page.keyboard.press("Enter");
    await page.waitForURL(`${server.url}/processes/${record.hash}`);
    await expect.poll(() => page.textContent("h1")).toBe("keyboard-victim");

    await tabTo(page, (el) => el.tag === "button" && el.text === "Stop");
    expect(await focusVisible(page)).toBe(true);
    await page.keyboard.press("Enter");
    // It asks first, focus in the dialog (on Cancel: a second Enter does nothing harmful); its own Stop confirms.
    await expect.poll(() => page.locator("dialog[open]").count()).toBe(1);
    expect(await page.evaluate(() => !!document.activeElement?.closest("dialog[open]"))).toBe(true);
    await tabTo(page, (el) => el.tag === "button" && el.text === "Stop");
    expect(await page.evaluate(() => !!document.activeElement?.closest("dialog[open]"))).toBe(true);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("h1 + [data-status]").getAttribute("data-status"), { timeout: 20_000 }).toBe("stopped");

    await tabTo(page, (el) => el.tag === "button" && el.text === "Delete");
    await page.keyboard.press("Enter");
    const dialog = page.locator("dialog[open]");
    await expect.poll(() => dialog.count()).toBe(1);
    // Focus is inside the dialog and stays there however often Tab is pressed.
    for (let i = 0; i < 6; i++) {
      expect(await page.evaluate(() => !!document.activeElement?.closest("dialog[open]"))).toBe(true);
      await page.keyboard.press("Tab");
    }
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe("Delete");

    await page.keyboard.press("Enter");
    await expect.poll(() => dialog.count()).toBe(1);
    await tabTo(page, (el) => el.tag === "button" && el.text === "Delete", 10);
    await page.keyboard.press("Enter");
    await page.waitForURL((url) => url.pathname === "/");
    expect(await page.locator(`[data-hash="${record.hash}"]`).count()).toBe(0);
    await page.screenshot({ path: path.join(shots, "phone390-keyboard-after-delete.png"), fullPage: true });
    await context.close();
    victim.kill("SIGKILL");
  }, 90_000);
});
