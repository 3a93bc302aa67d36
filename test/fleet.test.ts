import fs from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./support/browser";
import {
  FLEET_KEY,
  VIEWER_TOKEN,
  fleetHost,
  fleetHosts,
  startAgent,
  startHub,
  waitUntil,
  workstation,
  type RunningAgent,
  type Workstation,
  launch,
  recordOnHub,
} from "./support/fleet";
import { loggedInContext, startServer, type RunningServer } from "./support/next-server";
import { postgresBin, startPostgres, type RunningPostgres } from "./support/postgres";
import { tempDir } from "./support/temp";

// The fleet (SPEC "The fleet"): a real hub, real agents (the dashboard's and the CLI's) with
// their own registries and data folders, real launches, a real Chromium; on SQLite and on a
// real PostgreSQL shared by two hub instances.

const SHOTS = path.resolve(import.meta.dirname, "..", "test-results", "screenshots");

/** The env a dashboard needs to be a workstation that reports (startServer takes strings). */
function serverEnv(ws: Workstation): Record<string, string> {
  const keys = ["HOME", "PROCESS_MONITOR_DB", "PROCESS_MONITOR_HUB_URL", "PROCESS_MONITOR_HUB_KEY", "PROCESS_MONITOR_HOST_NAME"];
  const env = Object.fromEntries(keys.map((k) => [k, String(ws.env[k])]));
  return { ...env, PROCESS_MONITOR_REPORT_SECONDS: "1", PROCESS_MONITOR_MACHINE_ID: String(ws.env.PROCESS_MONITOR_MACHINE_ID) };
}

describe("a hub on SQLite and three workstations", () => {
  let dir: string;
  let hub: RunningServer;
  let serverA: RunningServer;
  let agentB: RunningAgent;
  let agentC: RunningAgent;
  let wsA: Workstation;
  let wsB: Workstation;
  let wsC: Workstation;
  let browser: Browser;
  const hashes = {} as Record<"a" | "b" | "c" | "late" | "crash", string>;

  beforeAll(async () => {
    dir = tempDir("pm-fleet-");
    [hub, browser] = await Promise.all([startHub(path.join(dir, "hub")), launchBrowser()]);
    // Two machines called the same: the hub names the second render-node-2.
    wsA = workstation(path.join(dir, "a"), hub.url, "render-node");
    wsB = workstation(path.join(dir, "b"), hub.url, "render-node");
    wsC = workstation(path.join(dir, "c"), hub.url, "comp-07", { PROCESS_MONITOR_ALLOW_REMOTE_LAUNCH: "1" });
    hashes.a = launch(wsA, "maya-a", "/bin/sh", "-c", "exec sleep 300");
    hashes.b = launch(wsB, "houdini-b", "/bin/sleep", "300");
    hashes.c = launch(wsC, "nuke-c", "/bin/bash", "-c", "sleep 300; true");
    // A reports from its dashboard (npm start with PROCESS_MONITOR_HUB_URL), B and C from `cli agent`.
    serverA = await startServer(serverEnv(wsA));
    await waitUntil("1 host(s) on the hub", async () => (await fleetHosts(hub)).length === 1);
    agentB = startAgent(wsB);
    await waitUntil("2 host(s) on the hub", async () => (await fleetHosts(hub)).length === 2);
    agentC = startAgent(wsC);
    await waitUntil("3 host(s) on the hub", async () => (await fleetHosts(hub)).length === 3);
  });

  afterAll(async () => {
    await Promise.all([agentB?.stop("SIGKILL"), agentC?.stop("SIGKILL"), serverA?.stop(), hub?.stop(), browser?.close()]);
    for (const ws of [wsA, wsB, wsC]) ws?.stopAll();
  });

  it("opens on the fleet: the hub's root and its login land on /fleet, a page asked for stays asked for", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${hub.url}/`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.getByLabel("Token").fill(hub.token);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/fleet");
    // The hub machine's own list is still there to ask for.
    await page.goto(`${hub.url}/?q=none`);
    expect(new URL(page.url()).pathname).toBe("/");
    await context.close();
  });

  it("sees every workstation's launches on /fleet in Chromium, with unique host names", async () => {
    await expect
      .poll(async () =>
        (await fleetHosts(hub))
          .map((h) => `${h.name}:${h.status}:${h.running}`)
          .sort()
          .join(" "),
      )
      .toBe("comp-07:online:1 render-node-2:online:1 render-node:online:1");
    const context = await loggedInContext(browser, hub);
    const page = await context.newPage();
    await page.goto(`${hub.url}/fleet`);
    for (const name of ["maya-a", "houdini-b", "nuke-c"]) await expect.poll(() => page.getByRole("link", { name }).count()).toBe(1);
    // The workstation that runs a server says in its header that it reports to the hub, and how.
    const own = await (await loggedInContext(browser, serverA)).newPage();
    await own.goto(`${serverA.url}/`);
    expect(await own.getByTestId("hub-status").innerText()).toMatch(/hub\s*(connected|reporting over HTTP) · last report/);
    expect(await own.getByTestId("hub-status").getAttribute("data-ok")).toBe("true");
    await own.context().close();
    // The hub itself reports to nobody: no such line.
    expect(await page.getByTestId("hub-status").count()).toBe(0);
    expect(await page.locator('[data-host="comp-07"] td').first().innerText()).toBe("comp-07");
    expect(await page.getByRole("region", { name: "Host table" }).innerText()).toMatch(/render-node-2[\s\S]*online/);
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, "fleet.png"), fullPage: true });

    // Host filter, status filter and search live in the URL, as on a workstation's list.
    await page.goto(`${hub.url}/fleet?host=comp-07`);
    await expect.poll(() => page.locator("tbody tr[data-hash]").count()).toBe(1);
    expect(await page.locator("tbody tr[data-hash]").getAttribute("data-host")).toBe("comp-07");
    await page.goto(`${hub.url}/fleet?q=houdini`);
    await expect.poll(() => page.locator("tbody tr[data-hash]").count()).toBe(1);
    await page.goto(`${hub.url}/fleet?status=stopped`);
    expect(await page.getByText("No records match this filter").count()).toBe(1);

    // The detail page of a remote record: bookmarkable, the same sections as on the workstation.
    await page.goto(`${hub.url}/fleet?host=comp-07`);
    await page.getByRole("link", { name: "nuke-c" }).click();
    await page.waitForURL(`**/fleet/comp-07/processes/${hashes.c}`);
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("nuke-c");
    expect(await page.getByTestId("command-line").innerText()).toContain("sleep 300; true");
    expect(await page.getByTestId("cwd").innerText()).not.toBe("–");
    expect(await page.locator("#environment").innerText()).toMatch(/Environment \(\d+\)/i);
    expect(await page.getByTestId("as-of").count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, "fleet-process.png"), fullPage: true });
    await page.goto(`${hub.url}/fleet/render-node-2`);
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("render-node-2");
    expect(await page.getByRole("link", { name: "houdini-b" }).count()).toBe(1);
    expect(await page.getByRole("link", { name: "maya-a" }).count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, "fleet-host.png"), fullPage: true });
    const missing = await page.goto(`${hub.url}/fleet/no-such-host`);
    expect(missing?.status()).toBe(404);
    expect(await page.getByTestId("fleet-not-found").count()).toBe(1);
    await context.close();
  });

  it("answers the fleet API: hosts, every process with filters, one record, and clear errors", async () => {
    const hosts = await fleetHosts(hub);
    const c = hosts.find((h) => h.name === "comp-07")!;
    expect(c).toMatchObject({ hostname: "comp-07", status: "online", running: 1, total: 1, crashes24h: 0, sharesIdWith: [] });
    expect(c.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(fs.readFileSync(path.join(wsC.home, ".local/share/process-monitor/host-id"), "utf8").trim()).toBe(c.id);
    expect(fs.statSync(path.join(wsC.home, ".local/share/process-monitor/hub-secret.json")).mode & 0o777).toBe(0o600);

    const all = await (await hub.api("/api/fleet/processes")).json();
    expect(all.total).toBe(3);
    const one = await (await hub.api("/api/fleet/processes?host=render-node&q=maya")).json();
    expect(one.processes).toHaveLength(1);
    expect(one.processes[0]).toMatchObject({ host: "render-node", name: "maya-a", hash: hashes.a, running: true, exitCode: null });
    // Environments reach the hub (the dashboard's own PROCESS_MONITOR_* never reach a launch).
    expect(one.processes[0].env.XDG_DATA_HOME).toBe(path.join(wsA.home, ".local", "share"));
    expect(Object.keys(one.processes[0].env).filter((k) => k.startsWith("PROCESS_MONITOR_"))).toEqual([]);
    const record = await (await hub.api(`/api/fleet/hosts/render-node-2/processes/${hashes.b}`)).json();
    expect(record).toMatchObject({ host: "render-node-2", name: "houdini-b", executable: "/bin/sleep", args: ["300"] });

    expect((await hub.api("/api/fleet/processes?host=nope")).status).toBe(404);
    expect((await hub.api("/api/fleet/processes?limit=0")).status).toBe(400);
    expect((await hub.api(`/api/fleet/hosts/comp-07/processes/${hashes.b}`)).status).toBe(404);
    expect((await fetch(`${hub.url}/api/fleet/hosts`)).status).toBe(401);
    // Agents' doors: the fleet key to enrol, a host secret to report; anything else is refused.
    const enroll = (key: string, body: unknown) =>
      fetch(`${hub.url}/api/fleet/enroll`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const wrongKey = await enroll("wrong-key-wrong-key", { protocol: 1, hostId: crypto.randomUUID(), machineId: "m", hostname: "x" });
    expect(wrongKey.status).toBe(401);
    expect((await wrongKey.json()).error).toMatch(/fleet key/);
    const badBody = await enroll(FLEET_KEY, { protocol: 1, hostId: "not-a-uuid", machineId: "m", hostname: "x" });
    expect(badBody.status).toBe(400);
    expect((await badBody.json()).error).toMatch(/hostId/);
    const report = (secret: string, body: unknown) =>
      fetch(`${hub.url}/api/fleet/report`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
    expect((await report("nonsense", {})).status).toBe(401);
    const forged = `${crypto.randomUUID()}.${"x".repeat(43)}`;
    // A secret the hub does not know: refused before its body is read, whatever the body.
    const unknown = await report(forged, { protocol: 1 });
    expect(unknown.status).toBe(401);
    expect((await unknown.json()).code).toBe("UNKNOWN_HOST");
    expect((await report(forged, "{not json")).status).toBe(401);
    const secret = JSON.parse(fs.readFileSync(path.join(wsC.home, ".local/share/process-monitor/hub-secret.json"), "utf8")).secret;
    const facts = {
      hostname: "x",
      platform: "linux",
      release: "1",
      arch: "x64",
      cores: 1,
      memTotalBytes: 1,
      memUsedBytes: 1,
      load: [0],
      uptimeSeconds: 1,
      agentVersion: "t",
    };
    const stale = await report(secret, {
      protocol: 1,
      machineId: wsC.env.PROCESS_MONITOR_MACHINE_ID,
      seq: 99,
      base: 1,
      full: false,
      interval: 1,
      facts,
      upserts: [],
      removed: [],
      events: [],
    });
    expect(stale.status).toBe(409);
    expect((await stale.json()).code).toBe("NEED_FULL");
    const wrongSecret = await report(`${secret.slice(0, -4)}AAAA`, {
      protocol: 1,
      machineId: "m",
      seq: 1,
      base: null,
      full: true,
      interval: 1,
      facts,
      upserts: [],
      removed: [],
      events: [],
    });
    expect(wrongSecret.status).toBe(401);
    expect((await wrongSecret.json()).code).toBe("UNKNOWN_HOST");
    // None of that touched comp-07's list.
    expect((await fleetHost(hub, "comp-07"))?.total).toBe(1);
  });

  it("stops, kills, relaunches and deletes a remote record from the hub, reads its output through the agent, and audits each action once", async () => {
    const printer = launch(wsB, "printer", "/bin/sh", "-c", "echo hello-from-b; exec sleep 300");
    await expect.poll(async () => (await hub.api(`/api/fleet/hosts/render-node-2/processes/${printer}`)).status).toBe(200);
    await expect
      .poll(async () => (await (await hub.api(`/api/fleet/hosts/render-node-2/processes/${printer}/output?offset=0`)).text()).trim())
      .toBe("hello-from-b");
    const range = await hub.api(`/api/fleet/hosts/render-node-2/processes/${printer}/output?offset=6&length=4`);
    expect([await range.text(), range.headers.get("x-output-start"), range.headers.get("x-output-size")]).toEqual(["from", "6", "13"]);

    // Stop and relaunch in Chromium, on the fleet's detail page.
    const context = await loggedInContext(browser, hub);
    const page = await context.newPage();
    await page.goto(`${hub.url}/fleet/render-node-2/processes/${printer}`);
    await page.getByRole("button", { name: "Stop", exact: true }).click();
    // The confirmation names the workstation it runs on.
    expect(await page.locator("dialog[open]").textContent()).toContain("on render-node-2");
    await page.locator("dialog[open]").getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => page.locator("h1 + [data-status]").getAttribute("data-status"), { timeout: 15_000 }).toBe("stopped");
    expect(JSON.parse(wsB.cli("show", printer, "--json").stdout)).toMatchObject({ running: false, stoppedBy: "user" });
    await page.getByRole("button", { name: "Relaunch" }).click();
    await page.locator("dialog[open]").getByRole("button", { name: "Relaunch" }).click();
    await page.waitForURL((url) => !url.pathname.endsWith(printer), { timeout: 15_000 });
    const relaunched = page.url().split("/").at(-1)!;
    expect(relaunched).toMatch(/^[0-9a-f]{64}$/);
    await expect.poll(() => page.locator("h1 + [data-status]").getAttribute("data-status")).toBe("running");
    await page.screenshot({ path: path.join(SHOTS, "fleet-actions.png"), fullPage: true });
    await context.close();

    // The same through the API: a kill, then a delete; each answered once, in the audit log once.
    const kill = await hub.api(`/api/fleet/hosts/render-node-2/processes/${relaunched}/stop`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ force: true }),
    });
    expect(kill.status).toBe(200);
    expect(await kill.json()).toMatchObject({ ok: true, command: "stop", data: { outcome: "stopped", signal: "SIGKILL" } });
    expect(
      (await hub.api(`/api/fleet/hosts/render-node-2/processes/${relaunched}/stop`, { method: "POST", body: '{"force": 1}' })).status,
    ).toBe(400);
    const removed = await hub.api(`/api/fleet/hosts/render-node-2/processes/${printer}`, { method: "DELETE" });
    expect(removed.status).toBe(200);
    expect(wsB.cli("show", printer).status).toBe(1);
    expect((await hub.api(`/api/fleet/hosts/render-node-2/processes/${"f".repeat(64)}/stop`, { method: "POST" })).status).toBe(404);
    const audit = (await (await hub.api("/api/fleet/audit")).json()) as {
      entries: Array<{ command: string; hash: string; host: string; ok: boolean; role: string; address: string }>;
    };
    const which = (hash: string) => (hash === printer ? "printer" : hash === relaunched ? "relaunched" : "unknown");
    expect(audit.entries.map((e) => `${e.command}:${which(e.hash)}:${e.ok}`)).toEqual([
      // Refused for want of its record: nothing was sent, and the log says so.
      "stop:unknown:false",
      "delete:printer:true",
      "kill:relaunched:true",
      "relaunch:printer:true",
      "stop:printer:true",
    ]);
    expect(audit.entries[0]).toMatchObject({ host: "render-node-2", role: "operator", address: "127.0.0.1" });
    // A viewer of the audit page sees the same.
    const auditContext = await loggedInContext(browser, hub);
    const auditPage = await auditContext.newPage();
    await auditPage.goto(`${hub.url}/fleet/audit`);
    expect(await auditPage.locator("tr[data-audit]").count()).toBe(5);
    await auditPage.screenshot({ path: path.join(SHOTS, "fleet-audit.png"), fullPage: true });
    await auditContext.close();
  });

  it("reads a remote output in the full viewer through the hub: the tail, live appends, and a search of the whole file", async () => {
    const ticker = launch(
      wsA,
      "ticker",
      "/bin/sh",
      "-c",
      'echo NEEDLE-EARLY first; i=0; while [ $i -lt 3000 ]; do echo "filler line $i"; i=$((i+1)); done; i=0; while [ $i -lt 200 ]; do echo "tick $i"; i=$((i+1)); sleep 0.1; done; sleep 300',
    );
    await expect.poll(async () => (await hub.api(`/api/fleet/hosts/render-node/processes/${ticker}`)).status).toBe(200);
    const context = await loggedInContext(browser, hub);
    const page = await context.newPage();
    await page.goto(`${hub.url}/fleet/render-node/processes/${ticker}/output`);
    await page.waitForSelector("[data-row]");
    // Followed live: lines printed after the page opened arrive through the hub.
    const tick = async () => {
      const rows = await page.locator("[data-row]", { hasText: /^\d+tick \d+$/ }).allInnerTexts();
      return Math.max(-1, ...rows.map((r) => Number(/tick (\d+)$/.exec(r)?.[1] ?? -1)));
    };
    const first = await tick();
    await expect.poll(tick, { timeout: 15_000 }).toBeGreaterThan(first + 10);
    // A search runs on the workstation and brings the match into view.
    await page.fill("input[aria-label='Search the output']", "needle-early");
    await page.press("input[aria-label='Search the output']", "Enter");
    await expect.poll(() => page.locator("mark", { hasText: "NEEDLE-EARLY" }).count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator("[data-row]", { hasText: "NEEDLE-EARLY" }).getAttribute("data-line")).toBe("1");
    expect(await page.getByRole("link", { name: "Download" }).count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, "fleet-output.png") });
    await context.close();
    expect(wsA.cli("stop", ticker).status).toBe(0);
  });

  it("shows a remote record's output preview, usage chart and child tree as a local page does, read on its workstation", async () => {
    const tree = launch(
      wsB,
      "tree",
      "/bin/sh",
      "-c",
      "printf '\\033[32mscene loaded\\033[0m\\nprogress 0%%\\rprogress 100%%\\n'; sleep 301 & wait",
    );
    await expect.poll(async () => (await hub.api(`/api/fleet/hosts/render-node-2/processes/${tree}`)).status).toBe(200);
    // The live chart's point, read on the workstation by its agent.
    const usage = await hub.api(`/api/fleet/hosts/render-node-2/processes/${tree}/usage`);
    expect(usage.status).toBe(200);
    expect(await usage.json()).toMatchObject({ status: "running", treeRssBytes: expect.any(Number), treeCpuPercent: expect.any(Number) });
    expect((await hub.api(`/api/fleet/hosts/render-node-2/processes/${"e".repeat(64)}/usage`)).status).toBe(404);

    const context = await loggedInContext(browser, hub);
    const page = await context.newPage();
    await page.goto(`${hub.url}/fleet/render-node-2/processes/${tree}`);
    // The preview renders as the viewer does: colours kept, the \r applied.
    const preview = page.getByTestId("output-tail");
    await expect.poll(() => preview.textContent()).toContain("progress 100%");
    expect(await preview.textContent()).not.toContain("progress 0%");
    expect(await preview.locator("span", { hasText: "scene loaded" }).getAttribute("style")).toMatch(/color/);
    await expect.poll(() => page.getByTestId("descendants").textContent()).toContain("sleep 301");
    // The run's history, then a point every 3 s while the page is open.
    await expect
      .poll(async () => Number(await page.getByTestId("usage-chart").getAttribute("data-samples")), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: path.join(SHOTS, "fleet-record-parts.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SHOTS, "fleet-record-parts-390.png"), fullPage: true });
    // The fleet's table on a phone: stacked rows with the host, nothing to scroll sideways to.
    await page.goto(`${hub.url}/fleet`);
    const row = page.locator(`tr[data-hash="${tree}"]`);
    expect(
      await page.getByRole("region", { name: "Processes", exact: true }).evaluate((el) => el.scrollWidth - el.clientWidth),
    ).toBeLessThanOrEqual(0);
    for (const shown of [
      row.getByRole("link", { name: "render-node-2" }),
      row.getByText(/^CPU /),
      row.getByRole("link", { name: "tree" }),
    ]) {
      const box = (await shown.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    }
    expect(await row.innerText()).toMatch(/pid \d+[\s\S]*started [\s\S]*CPU /);
    // The hosts too: a card per host, its counts, crashes and load on screen, none cut.
    expect(await page.getByRole("region", { name: "Host table" }).evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    const hostCard = page.locator("tr[data-host]").first();
    expect(await hostCard.innerText()).toMatch(/reported [\s\S]*\d+ \/ \d+ running[\s\S]*crash(es)? in 24 h[\s\S]*load /);
    for (const shown of [
      hostCard.getByTestId("host-counts"),
      hostCard.getByText(/^load /),
      hostCard.getByRole("link", { name: /Only this host|All hosts/ }),
    ]) {
      const box = (await shown.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    }
    await page.screenshot({ path: path.join(SHOTS, "fleet-390.png"), fullPage: true });
    await context.close();
    expect(wsB.cli("stop", tree).status).toBe(0);
  });

  it("launches on a workstation that allows it through its agent, audited, and refuses one that does not, clearly", async () => {
    const post = (host: string, body: unknown) =>
      hub.api(`/api/fleet/hosts/${host}/launch`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const hosts = Object.fromEntries((await fleetHosts(hub)).map((h) => [h.name, (h as { remoteLaunch?: boolean }).remoteLaunch]));
    expect(hosts).toMatchObject({ "comp-07": true, "render-node-2": false, "render-node": false });
    // Off by default: refused on the hub, nothing sent, and the refusal says how to allow it.
    const refused = await post("render-node-2", { name: "remote-job", executable: "/bin/sleep", args: ["302"] });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      code: "LAUNCH_NOT_ALLOWED",
      error: expect.stringContaining("PROCESS_MONITOR_ALLOW_REMOTE_LAUNCH=1"),
    });
    expect(wsB.cli("list", "--json").stdout).not.toContain("remote-job");
    // The workstation's own checks, said as it says them.
    const missing = await post("comp-07", { name: "nothing", executable: "/no/such/program" });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: "EXECUTABLE_NOT_FOUND" });
    expect((await post("comp-07", { name: "", executable: "/bin/true" })).status).toBe(400);

    // The hub's form: a workstation picked among those that allow it.
    const context = await loggedInContext(browser, hub);
    const page = await context.newPage();
    await page.goto(`${hub.url}/launch`);
    expect(await page.locator("#launch-host option[value='render-node-2']").isDisabled()).toBe(true);
    expect(await page.locator("#launch-host option[value='render-node-2']").textContent()).toContain("does not take launches from the hub");
    await page.selectOption("#launch-host", "comp-07");
    await page.fill("#launch-name", "remote-render");
    await page.fill("#launch-executable", "/bin/sleep");
    await page.fill("#launch-args", "303");
    await page.screenshot({ path: path.join(SHOTS, "fleet-launch.png"), fullPage: true });
    await page.getByRole("button", { name: "Launch" }).click();
    await page.waitForURL(/\/fleet\/comp-07\/processes\/[0-9a-f]{64}$/, { timeout: 20_000 });
    const hash = page.url().split("/").at(-1)!;
    expect(JSON.parse(wsC.cli("show", hash, "--json").stdout)).toMatchObject({ name: "remote-render", args: ["303"], running: true });
    await expect.poll(() => page.locator("h1 + [data-status]").getAttribute("data-status")).toBe("running");
    await page.setViewportSize({ width: 390, height: 844 });
    // The hosts table and the host's page link to the form with it picked (an operator's; a viewer's have no link).
    await page.goto(`${hub.url}/fleet?hosts=all`);
    expect(await page.getByTestId("launch-on-host").count()).toBe(1);
    await page.goto(`${hub.url}/fleet/comp-07`);
    await page.getByTestId("launch-on-host").click();
    await page.waitForURL(/\/launch\?host=comp-07$/);
    expect(await page.locator("#launch-host").inputValue()).toBe("comp-07");
    await page.screenshot({ path: path.join(SHOTS, "fleet-launch-390.png"), fullPage: true });
    await context.close();

    const audit = (await (await hub.api("/api/fleet/audit?limit=20")).json()) as {
      entries: Array<{ command: string; host: string; ok: boolean; hash: string }>;
    };
    const launches = audit.entries.filter((e) => e.command === "launch").map((e) => `${e.host}:${e.ok}`);
    expect(launches).toEqual(["comp-07:true", "comp-07:false", "render-node-2:false"]);
    // The launch that ran names the record it made.
    expect(audit.entries.find((e) => e.command === "launch" && e.ok)?.hash).toBe(hash);
    // comp-07 keeps the one record the tests after this one count on.
    expect(wsC.cli("stop", hash).status).toBe(0);
    expect(wsC.cli("delete", hash).status).toBe(0);
    await expect.poll(async () => (await hub.api(`/api/fleet/hosts/comp-07/processes/${hash}`)).status).toBe(404);
  });

  it("gives a viewer token the fleet to look at, refuses it every action (403), and never sends it an environment value", async () => {
    const result = wsB.cli("launch", "--name", "secret-env", "--env", "SHOT_SECRET=tomato-4711", "--", "/bin/sleep", "300");
    const hash = result.stdout.trim();
    await expect.poll(async () => (await hub.api(`/api/fleet/hosts/render-node-2/processes/${hash}`)).status).toBe(200);
    expect((await (await hub.api(`/api/fleet/hosts/render-node-2/processes/${hash}`)).json()).env.SHOT_SECRET).toBe("tomato-4711");

    const asViewer = (pathname: string, init: RequestInit = {}) =>
      fetch(`${hub.url}${pathname}`, { ...init, headers: { authorization: `Bearer ${VIEWER_TOKEN}`, ...(init.headers ?? {}) } });
    const one = await (await asViewer(`/api/fleet/hosts/render-node-2/processes/${hash}`)).json();
    expect(one).toMatchObject({ name: "secret-env", envHidden: true });
    expect(one.env.SHOT_SECRET).toBe("");
    const list = await (await asViewer("/api/fleet/processes?q=secret-env")).json();
    expect(JSON.stringify(list)).not.toContain("tomato-4711");
    expect(JSON.stringify(await (await asViewer("/api/processes")).json())).not.toMatch(/"(PATH|HOME)":"\//);
    const before = (await (await hub.api("/api/fleet/audit")).json()).total;
    for (const [method, pathname] of [
      ["POST", `/api/fleet/hosts/render-node-2/processes/${hash}/stop`],
      ["POST", `/api/fleet/hosts/render-node-2/processes/${hash}/relaunch`],
      ["DELETE", `/api/fleet/hosts/render-node-2/processes/${hash}`],
      ["POST", "/api/fleet/hosts/render-node-2/revoke"],
      ["POST", "/api/processes"],
      ["POST", "/api/processes/prune"],
    ] as const) {
      const response = await asViewer(pathname, { method, headers: { "content-type": "application/json" }, body: "{}" });
      expect(response.status, `${method} ${pathname}`).toBe(403);
      expect((await response.json()).error).toMatch(/Read-only access/);
    }
    expect(JSON.parse(wsB.cli("show", hash, "--json").stdout).running).toBe(true);
    // Each refused change on the fleet is in the audit log, as the viewer's (the workstation's own routes have none).
    const audit = (await (await hub.api("/api/fleet/audit")).json()) as { total: number; entries: Array<Record<string, unknown>> };
    expect(audit.total).toBe(before + 4);
    expect(audit.entries.slice(0, 4).map((e) => `${e.role} ${e.command} ${e.host} ${e.ok}`)).toEqual([
      "viewer revoke render-node-2 false",
      "viewer delete render-node-2 false",
      "viewer relaunch render-node-2 false",
      "viewer stop render-node-2 false",
    ]);

    // In Chromium: no actions, the variables' names without values, nowhere in the page.
    const context = await loggedInContext(browser, { ...hub, token: VIEWER_TOKEN });
    const page = await context.newPage();
    await page.goto(`${hub.url}/fleet/render-node-2/processes/${hash}`);
    expect(await page.getByRole("button", { name: "Stop", exact: true }).count()).toBe(0);
    expect(await page.getByTestId("viewer-badge").count()).toBe(1);
    expect(await page.locator('[data-env="SHOT_SECRET"] [data-testid="env-hidden"]').count()).toBe(1);
    expect(await page.content()).not.toContain("tomato-4711");
    await page.screenshot({ path: path.join(SHOTS, "fleet-viewer.png"), fullPage: true });
    await page.goto(`${hub.url}/fleet/render-node-2`);
    expect(await page.getByRole("button", { name: /Delete/ }).count()).toBe(0);
    // Where a workstation takes launches from the hub, a viewer is told so without a link to the form.
    await page.goto(`${hub.url}/fleet/comp-07`);
    await page.getByText("Launches from the hub").waitFor();
    expect(await page.getByText("Allowed", { exact: true }).count()).toBe(1);
    expect(await page.getByTestId("launch-on-host").count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, "fleet-host-viewer.png"), fullPage: true });
    await page.goto(`${hub.url}/fleet?hosts=all`);
    await page.getByRole("region", { name: "Host table" }).waitFor();
    expect(await page.getByTestId("launch-on-host").count()).toBe(0);
    await context.close();
    expect(wsB.cli("stop", hash).status).toBe(0);
  });

  it("shows a killed agent stale, then offline (as of its last report), and catches up when it is back", async () => {
    await agentC.stop("SIGKILL");
    await expect.poll(async () => (await fleetHost(hub, "comp-07"))?.status, { timeout: 15_000 }).toBe("stale");
    await expect.poll(async () => (await fleetHost(hub, "comp-07"))?.status, { timeout: 15_000 }).toBe("offline");
    const context = await loggedInContext(browser, hub);
    const page = await context.newPage();
    await page.goto(`${hub.url}/fleet/comp-07`);
    expect(await page.getByTestId("as-of").innerText()).toMatch(/comp-07 is offline: this is what it last reported/);
    // An action for an offline host fails at once, says why, and nothing waits for it.
    const started = Date.now();
    const refused = await hub.api(`/api/fleet/hosts/comp-07/processes/${hashes.c}/stop`, { method: "POST" });
    expect(refused.status).toBe(409);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await refused.json()).error).toMatch(/^comp-07 is offline \(its last report was .*\): nothing was sent\.$/);
    await page.goto(`${hub.url}/fleet/comp-07/processes/${hashes.c}`);
    expect(await page.getByTestId("actions-offline").count()).toBe(1);
    await page.goto(`${hub.url}/fleet`);
    expect(await page.locator('tr[data-host="comp-07"][data-hash]').innerText()).toMatch(/offline, last known/);
    await page.screenshot({ path: path.join(SHOTS, "fleet-offline.png"), fullPage: true });

    // Meanwhile on comp-07: a launch and an end. The restarted agent brings both.
    hashes.late = launch(wsC, "late-c", "/bin/sleep", "300");
    expect(wsC.cli("stop", hashes.c).status).toBe(0);
    agentC = startAgent(wsC);
    await expect
      .poll(async () => {
        const c = await fleetHost(hub, "comp-07");
        return `${c?.status} ${c?.running}/${c?.total}`;
      })
      .toBe("online 1/2");
    const ended = await (await hub.api(`/api/fleet/hosts/comp-07/processes/${hashes.c}`)).json();
    expect(ended).toMatchObject({ running: false, stoppedBy: "user" });
    // A stop of ours is not a crash.
    expect((await fleetHost(hub, "comp-07"))?.crashes24h).toBe(0);
    await page.reload();
    expect(await page.locator('tr[data-host="comp-07"][data-hash]').first().innerText()).not.toMatch(/last known/);
    await context.close();
  });

  it("delivers an exit that happened while the hub was down exactly once, even across an agent restart", async () => {
    await hub.stop();
    hashes.crash = launch(wsB, "crasher", "/bin/sh", "-c", "sleep 1; exit 3");
    await expect.poll(() => JSON.parse(wsB.cli("show", hashes.crash!, "--json").stdout).exitCode, { timeout: 15_000 }).toBe(3);
    // The agent noticed the end while the hub was away (it keeps it on disk); restart it too.
    await expect
      .poll(() => fs.readFileSync(path.join(wsB.home, ".local/share/process-monitor/agent-state.json"), "utf8"), { timeout: 15_000 })
      .toContain(hashes.crash);
    await agentB.stop();
    agentB = startAgent(wsB);
    hub = await startHub(path.join(dir, "hub"), { port: hub.port });
    await expect.poll(async () => (await fleetHost(hub, "render-node-2"))?.crashes24h, { timeout: 30_000 }).toBe(1);
    const record = await (await hub.api(`/api/fleet/hosts/render-node-2/processes/${hashes.crash}`)).json();
    expect(record).toMatchObject({ running: false, exitCode: 3, name: "crasher" });
    // More reports come and go (the agent may have sent it twice around the restart): still one.
    const seen = (await fleetHost(hub, "render-node-2"))!.lastSeen;
    await expect.poll(async () => (await fleetHost(hub, "render-node-2"))!.lastSeen! > seen!, { timeout: 10_000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await fleetHost(hub, "render-node-2"))?.crashes24h).toBe(1);
    expect(agentB.logs()).not.toMatch(/Unexpected error/);
    // The crash count leads to that host's failed records.
    const context = await loggedInContext(browser, hub);
    const page = await context.newPage();
    await page.goto(`${hub.url}/fleet`);
    await page.getByRole("link", { name: /crash in the last 24 h on render-node-2: show its failed records/ }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("status")).toBe("failed");
    expect(new URL(page.url()).searchParams.get("host")).toBe("render-node-2");
    await expect.poll(() => page.locator("tr[data-hash]").allInnerTexts()).toEqual([expect.stringMatching(/crasher/)]);
    await context.close();
  });

  it("counts a crash that ended before the workstation's agent first reported", async () => {
    const ws = workstation(path.join(dir, "late-agent"), hub.url, "late-agent", { PROCESS_MONITOR_HOST_TAGS: "lighting, gpu lighting" });
    const hash = launch(ws, "early-crash", "/bin/sh", "-c", "exit 4");
    await expect.poll(() => JSON.parse(ws.cli("show", hash, "--json").stdout).exitCode, { timeout: 15_000 }).toBe(4);
    expect(ws.cli("agent", "--once").status).toBe(0);
    // Never an exit event (it ended before reporting began), yet the host's records say it failed today.
    await expect.poll(async () => (await fleetHost(hub, "late-agent"))?.crashes24h, { timeout: 15_000 }).toBe(1);
    expect(await recordOnHub(hub, "late-agent", hash)).toMatchObject({ exitCode: 4 });

    // Its tags (PROCESS_MONITOR_HOST_TAGS) filter both tables of /fleet; hosts sort by crashes and by load.
    expect((await fleetHost(hub, "late-agent"))?.facts?.tags).toEqual(["lighting", "gpu"]);
    const tagged = await (await hub.api("/fleet?tag=lighting")).text();
    expect([...tagged.matchAll(/<tr (?:(?!data-hash)[^>])*data-host="([^"]+)"(?:(?!data-hash)[^>])*>/g)].map((m) => m[1])).toEqual([
      "late-agent",
    ]);
    expect(tagged).toContain("early-crash");
    expect(tagged).not.toContain("houdini-b");
    const byCrashes = await (await hub.api("/fleet?hostSort=crashes")).text();
    const order = [...byCrashes.matchAll(/<tr (?:(?!data-hash)[^>])*data-host="([^"]+)"(?:(?!data-hash)[^>])*>/g)].map((m) => m[1]!);
    const crashes = await Promise.all(order.map(async (name) => (await fleetHost(hub, name))?.crashes24h ?? 0));
    expect(crashes).toEqual([...crashes].sort((a, b) => b - a));
    expect(crashes[0]).toBeGreaterThanOrEqual(1);
    expect((await (await hub.api("/fleet?hostSort=load")).text()).match(/data-host=/g)?.length).toBeGreaterThanOrEqual(order.length);
  });

  it("stops a selection of the fleet's records through their agents after asking, each stop audited", async () => {
    const jobs = [launch(wsB, "bulk-a", "/bin/sleep", "300"), launch(wsB, "bulk-b", "/bin/sleep", "300")];
    await waitUntil("both on the hub", async () => (await recordOnHub(hub, "render-node-2", jobs[1]!))?.status === "running");
    const context = await loggedInContext(browser, hub);
    const page = await context.newPage();
    await page.goto(`${hub.url}/fleet?q=bulk-`);
    await expect.poll(() => page.locator("tr[data-hash]").count()).toBe(2);
    await page.getByRole("checkbox", { name: "Select bulk-a on render-node-2" }).check();
    await page.getByRole("checkbox", { name: "Select bulk-b on render-node-2" }).check();
    // The fleet's table stops; it never deletes.
    expect(await page.getByRole("button", { name: /^Delete/ }).count()).toBe(0);
    await page.getByRole("button", { name: "Stop selected (2)" }).click();
    expect(await page.locator("dialog[open]").innerText()).toMatch(/bulk-(a|b) \(pid \d+ on render-node-2\)/);
    await page.locator("dialog[open]").getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => page.textContent("[data-testid=action-message]"), { timeout: 20_000 }).toBe("Stopped 2 processes.");
    for (const hash of jobs)
      expect(JSON.parse(wsB.cli("show", hash, "--json").stdout)).toMatchObject({ running: false, stoppedBy: "user" });
    const audit = (await (await hub.api("/api/fleet/audit")).json()) as { entries: Array<{ command: string; hash: string; ok: boolean }> };
    for (const hash of jobs) expect(audit.entries.filter((e) => e.hash === hash).map((e) => `${e.command}:${e.ok}`)).toEqual(["stop:true"]);
    await context.close();
  });

  it("flags a cloned disk image instead of merging it, and a revoked host can neither report nor enrol", async () => {
    // The clone carries B's data folder (host id and secret) to another machine.
    const cloneHome = path.join(dir, "clone");
    fs.cpSync(path.join(wsB.home, ".local"), path.join(cloneHome, ".local"), { recursive: true });
    const clone = workstation(cloneHome, hub.url, "render-node", { PROCESS_MONITOR_MACHINE_ID: "another-machine" });
    const once = clone.cli("agent", "--once");
    expect(once.stderr).toBe("");
    expect(once.stdout).toMatch(/enrolled with .* as render-node-3 \(flagged: another machine reports the same host id/);
    const hosts = await fleetHosts(hub);
    const original = hosts.find((h) => h.name === "render-node-2")!;
    const copy = hosts.find((h) => h.name === "render-node-3")!;
    expect(copy.id).toBe(original.id);
    expect(copy.sharesIdWith).toEqual(["render-node-2"]);
    expect(original.sharesIdWith).toEqual(["render-node-3"]);
    // B keeps its own row and keeps reporting.
    await expect.poll(async () => (await fleetHost(hub, "render-node-2"))?.status).toBe("online");
    const context = await loggedInContext(browser, hub);
    const page = await context.newPage();
    await page.goto(`${hub.url}/fleet/render-node-3`);
    expect(await page.getByTestId("clone-note").innerText()).toMatch(/same host id \(render-node-2\)/);
    await context.close();

    expect((await hub.api("/api/fleet/hosts/render-node-3/revoke", { method: "POST" })).status).toBe(200);
    expect((await hub.api("/api/fleet/hosts/render-node-3/revoke", { method: "POST" })).status).toBe(404);
    const refused = clone.cli("agent", "--once");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/revoked/);
    fs.rmSync(path.join(cloneHome, ".local/share/process-monitor/hub-secret.json"));
    const again = clone.cli("agent", "--once");
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/revoked on this hub; it cannot enrol again/);
    expect((await fleetHost(hub, "render-node-3"))?.revoked).toBe(true);
  });

  it("refuses a plain http:// hub on another machine, so a host secret never crosses a network in clear", () => {
    const remote = workstation(path.join(dir, "remote"), "http://hub.studio.example:3000", "x");
    const result = remote.cli("agent", "--once");
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/plain http:\/\/ to hub\.studio\.example:3000: the host secret would cross the network in clear/);
  });
});

describe.skipIf(!postgresBin() && !process.env.CI)("two hubs on one PostgreSQL", () => {
  let dir: string;
  let pg: RunningPostgres;
  let hub1: RunningServer;
  let hub2: RunningServer;
  const agents: RunningAgent[] = [];
  let browser: Browser;
  const workstations: Workstation[] = [];

  beforeAll(async () => {
    dir = tempDir("pm-fleet-pg-");
    [pg, browser] = await Promise.all([startPostgres(), launchBrowser()]);
    // Both start at once: the schema is created once, under an advisory lock.
    [hub1, hub2] = await Promise.all([
      startHub(path.join(dir, "hub1"), { fleetDb: pg.url }),
      startHub(path.join(dir, "hub2"), { fleetDb: pg.url }),
    ]);
    for (const [i, hub] of [hub1, hub2, hub1].entries()) {
      const ws = workstation(path.join(dir, `ws${i}`), hub.url, `pg-ws-${i}`);
      launch(ws, `job-${i}`, "/bin/sleep", "300");
      workstations.push(ws);
      agents.push(startAgent(ws));
    }
  });

  afterAll(async () => {
    await Promise.all([...agents.map((a) => a.stop("SIGKILL")), hub1?.stop(), hub2?.stop(), browser?.close()]);
    for (const ws of workstations) ws.stopAll();
    await pg?.stop();
  });

  it("shows the same fleet on both hubs, whichever one an agent reports to", async () => {
    const summary = async (hub: RunningServer) =>
      (await fleetHosts(hub))
        .map((h) => `${h.name}:${h.status}:${h.running}/${h.total}`)
        .sort()
        .join(" ");
    await expect.poll(() => summary(hub1), { timeout: 30_000 }).toBe("pg-ws-0:online:1/1 pg-ws-1:online:1/1 pg-ws-2:online:1/1");
    expect(await summary(hub2)).toBe(await summary(hub1));

    // A launch on a workstation of hub2, seen on hub1's /fleet.
    const hash = launch(workstations[1]!, "late-pg", "/bin/sleep", "300");
    const context = await loggedInContext(browser, hub1);
    const page = await context.newPage();
    await page.goto(`${hub1.url}/fleet?host=pg-ws-1`);
    await expect
      .poll(async () => (await page.reload(), await page.getByRole("link", { name: "late-pg" }).count()), { timeout: 15_000 })
      .toBe(1);
    await page.getByRole("link", { name: "late-pg" }).click();
    await page.waitForURL(`**/fleet/pg-ws-1/processes/${hash}`);
    await context.close();
    // A command given on hub1 reaches the agent that polls hub2.
    const stop = await hub1.api(`/api/fleet/hosts/pg-ws-1/processes/${hash}/stop`, { method: "POST" });
    expect(stop.status).toBe(200);
    expect(JSON.parse(workstations[1]!.cli("show", hash, "--json").stdout)).toMatchObject({ running: false, stoppedBy: "user" });
    const audit = (await (await hub2.api("/api/fleet/audit")).json()) as { entries: Array<{ command: string; host: string }> };
    expect(audit.entries).toMatchObject([{ command: "stop", host: "pg-ws-1" }]);
  });

  it("counts an exit once when it crosses both hubs", async () => {
    const hash = launch(workstations[0]!, "pg-crasher", "/bin/sh", "-c", "exit 7");
    await expect.poll(async () => (await fleetHost(hub2, "pg-ws-0"))?.crashes24h, { timeout: 20_000 }).toBe(1);
    // The same agent's history, sent again as a new full list to the other hub: still one.
    await agents[0]!.stop();
    const ws = workstations[0]!;
    fs.rmSync(path.join(ws.home, ".local/share/process-monitor/agent-state.json"));
    ws.env.PROCESS_MONITOR_HUB_URL = hub2.url;
    fs.rmSync(path.join(ws.home, ".local/share/process-monitor/hub-secret.json"));
    agents[0] = startAgent(ws);
    await expect.poll(async () => (await fleetHosts(hub1)).filter((h) => h.name.startsWith("pg-ws-0")).length).toBe(1);
    await expect.poll(async () => (await fleetHost(hub1, "pg-ws-0"))?.status).toBe("online");
    expect((await fleetHost(hub1, "pg-ws-0"))?.crashes24h).toBe(1);
    const record = await (await hub1.api(`/api/fleet/hosts/pg-ws-0/processes/${hash}`)).json();
    expect(record).toMatchObject({ exitCode: 7, running: false });
  });
});
