import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetHost, startHub, waitUntil, workstation, type Workstation } from "./support/fleet";
import { startServer, type RunningServer } from "./support/next-server";
import { tempDir } from "./support/temp";

// One output API (docs/api.md, the output routes): a workstation's own routes and the hub's, which reads the
// same file through the workstation's agent, take the same query and give the same answer:
// bytes, headers, JSON, errors and limits. Only a whole-file download stays on the workstation.

const HOST = "contract-ws";

/** Status, the headers that describe a range, and the body (JSON parsed, else the bytes as base64). */
async function answerOf(response: Response) {
  const type = response.headers.get("content-type") ?? "";
  const bytes = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    type: type.split(";")[0],
    range: ["content-range", "x-output-start", "x-output-end", "x-output-size", "retry-after"].map((h) => response.headers.get(h)),
    body: type.includes("json") ? JSON.parse(bytes.toString("utf8")) : bytes.toString("base64"),
  };
}

/** The first `count` server-sent events of a follow, as "event data" lines. */
async function firstEvents(response: Response, count: number): Promise<string[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + 20_000;
  while ((text.match(/^event: /gm) ?? []).length < count && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
  }
  await reader.cancel();
  return [...text.matchAll(/^event: (\S+)\ndata: (.*)$/gm)].slice(0, count).map((m) => `${m[1]} ${m[2]}`);
}

describe("the output API through the hub answers as the workstation's own", () => {
  let dir: string;
  let hub: RunningServer;
  let local: RunningServer;
  let ws: Workstation;
  let hash: string;
  let outputFile: string;

  beforeAll(async () => {
    dir = tempDir("pm-contract-");
    hub = await startHub(path.join(dir, "hub"));
    ws = workstation(path.join(dir, "ws"), hub.url, HOST);
    // 5.6 MB of numbered lines (past the 4 MiB cap of one range) and a few words to find.
    const launched = ws.cli("launch", "--name", "contract", "--", "/bin/sh", "-c", "seq 1 800000; echo needle one; echo needle two");
    expect(launched.status, launched.stderr).toBe(0);
    hash = launched.stdout.trim();
    const keys = [
      "HOME",
      "PROCESS_MONITOR_DB",
      "PROCESS_MONITOR_HUB_URL",
      "PROCESS_MONITOR_HUB_KEY",
      "PROCESS_MONITOR_HOST_NAME",
      "PROCESS_MONITOR_MACHINE_ID",
    ];
    local = await startServer({ ...Object.fromEntries(keys.map((k) => [k, String(ws.env[k])])), PROCESS_MONITOR_REPORT_SECONDS: "1" });
    await waitUntil("the record's end, reported", async () => {
      const record = await (await local.api(`/api/processes/${hash}`)).json();
      outputFile = record.outputFile;
      return record.status === "stopped" && (await fleetHost(hub, HOST))?.status === "online";
    });
    await waitUntil("the ended record on the hub", async () => {
      const record = await (await hub.api(`/api/fleet/hosts/${HOST}/processes/${hash}`)).json();
      return record.status === "stopped";
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([local?.stop(), hub?.stop()]);
    ws?.stopAll();
  });

  const ask = (query: string, route = "") =>
    Promise.all([
      local.api(`/api/processes/${hash}/output${route}${query}`).then(answerOf),
      hub.api(`/api/fleet/hosts/${HOST}/processes/${hash}/output${route}${query}`).then(answerOf),
    ]);

  it("gives the same ranges, raw and as JSON, up to the same cap, and the same refusals", async () => {
    expect(fs.statSync(outputFile).size).toBeGreaterThan(4 * 1024 * 1024);
    for (const query of [
      "",
      "?offset=0",
      "?offset=6&length=4",
      "?offset=100&length=1000&align=lines",
      "?length=100&format=json",
      "?offset=5000000&format=json",
      `?offset=0&length=${4 * 1024 * 1024}`,
      "?offset=99999999&length=10",
      // Refused the same way, by the same schema.
      `?length=${4 * 1024 * 1024 + 1}`,
      "?offset=-1",
      "?offset=0x10",
      "?length=1e3",
      "?format=xml",
    ]) {
      const [mine, remote] = await ask(query);
      expect(remote, query).toEqual(mine);
    }
    const [tail] = await ask("");
    expect(tail.status).toBe(200);
    expect(Buffer.from(tail.body, "base64").length).toBe(256 * 1024);
    const [cap] = await ask(`?offset=0&length=${4 * 1024 * 1024}`);
    expect(Buffer.from(cap.body, "base64").length).toBe(4 * 1024 * 1024);
    const [tooLong] = await ask(`?length=${4 * 1024 * 1024 + 1}`);
    expect(tooLong).toMatchObject({ status: 400, body: { code: "INVALID" } });
  });

  it("gives the same search answers and line numbers", async () => {
    for (const query of [
      "?q=needle",
      "?q=NEEDLE&from=5000000",
      "?q=needle&count=1",
      "?q=799999&dir=prev&from=99999999",
      "?q=nothing-like-it",
      "?q=",
      "?q=a&from=x",
    ]) {
      const [mine, remote] = await ask(query, "/search");
      expect(remote, query).toEqual(mine);
    }
    const [found] = await ask("?q=needle", "/search");
    const at = fs.readFileSync(outputFile).indexOf("needle one");
    expect(found.body.match).toEqual({ lineStart: at, offset: at });
    // Its place among the matches, the same through the hub.
    expect(found.body.index).toBe(1);
    const [second, secondRemote] = await ask(`?q=needle&from=${at + 1}`, "/search");
    expect(second.body.index).toBe(2);
    expect(secondRemote).toEqual(second);
    for (const query of ["?offset=0", "?offset=1000", "?offset=5000000", "?offset=-5", ""]) {
      const [mine, remote] = await ask(query, "/line");
      expect(remote, query).toEqual(mine);
    }
  });

  it("follows with the same events, and leaves whole-file downloads to the workstation", async () => {
    const size = fs.statSync(outputFile).size;
    const follows = await Promise.all([
      local.api(`/api/processes/${hash}/output?follow=1&offset=${size - 11}`),
      hub.api(`/api/fleet/hosts/${HOST}/processes/${hash}/output?follow=1&offset=${size - 11}`),
    ]);
    expect(follows.map((r) => [r.status, r.headers.get("content-type")])).toEqual([
      [200, "text/event-stream; charset=utf-8"],
      [200, "text/event-stream; charset=utf-8"],
    ]);
    const events = await Promise.all(follows.map((r) => firstEvents(r, 2)));
    expect(events[0]).toEqual([`ready {"from":${size - 11}}`, `append {"start":${size - 11},"end":${size},"text":"needle two\\n"}`]);
    expect(events[1]).toEqual(events[0]);

    // A file that is gone: both streams say `missing`, and go on waiting for it.
    fs.renameSync(outputFile, `${outputFile}.moved`);
    try {
      const gone = await Promise.all([
        local.api(`/api/processes/${hash}/output?follow=1&offset=0`),
        hub.api(`/api/fleet/hosts/${HOST}/processes/${hash}/output?follow=1&offset=0`),
      ]);
      const said = await Promise.all(gone.map((r) => firstEvents(r, 2)));
      expect(said[0]).toEqual(['ready {"from":0}', 'missing {"message":"The output file was deleted."}']);
      expect(said[1]).toEqual(said[0]);
      const [mine, remote] = await ask("?offset=0");
      expect(mine).toMatchObject({ status: 404, body: { code: "OUTPUT_MISSING" } });
      expect(remote).toEqual(mine);
    } finally {
      fs.renameSync(`${outputFile}.moved`, outputFile);
    }

    const [download, notCarried] = await ask("?download=1");
    expect(download.status).toBe(200);
    expect(Buffer.from(download.body, "base64").length).toBe(size);
    expect(notCarried).toMatchObject({
      status: 400,
      body: { code: "INVALID", error: expect.stringMatching(/not carried through the hub/) },
    });
  });
});
