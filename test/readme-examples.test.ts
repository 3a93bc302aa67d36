import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopAllIn } from "./support/fleet";
import { startServer, type RunningServer } from "./support/next-server";
import { tempDir } from "./support/temp";

// The examples of README's CLI section and of docs/api.md, run as written (issue 42: the stop
// example answered 415 and no test noticed). Only the machine's part is set: the token, the
// address, a record's hash.

/** The first sh block of `file`'s section `heading` ("## CLI"), as written. */
function docBlock(file: string, heading: string): string {
  const text = fs.readFileSync(path.resolve(file), "utf8");
  const start = text.startsWith(`${heading}\n`) ? 0 : text.indexOf(`\n${heading}\n`);
  const end = text.indexOf("\n## ", start + 1);
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(start, end === -1 ? undefined : end));
  if (start === -1 || !block) throw new Error(`${file} has no sh block under ${heading}`);
  return block[1]!;
}

/** The commands of docs/api.md's first sh block, continuation lines joined, comments dropped. */
function apiCurls(): string[] {
  const block = docBlock("docs/api.md", "# HTTP API reference");
  const commands: string[] = [];
  let current = "";
  for (const line of block.split("\n")) {
    if (!current && !line.startsWith("curl ")) continue;
    const text = line.replace(/\s+# .*$/, "");
    if (text.endsWith("\\")) {
      current += `${text.slice(0, -1)} `;
      continue;
    }
    commands.push((current + text).trim());
    current = "";
  }
  return commands;
}

function run(command: string, env: Record<string, string>, cwd: string): { status: number; body: string } {
  // As a user's shell would: the block's own variables, then the command, its HTTP status after.
  const script = `auth=(-H "Authorization: Bearer $TOKEN")\n${command} --max-time 3 -o body.out -w '%{http_code}'`;
  const result = spawnSync("/bin/bash", ["-c", script], { env: { ...process.env, ...env }, cwd, encoding: "utf8" });
  const body = fs.existsSync(path.join(cwd, "body.out")) ? fs.readFileSync(path.join(cwd, "body.out"), "utf8") : "";
  fs.rmSync(path.join(cwd, "body.out"), { force: true });
  return { status: Number(result.stdout.trim().slice(-3)), body };
}

/** The lines of README's sh block under "## CLI" (its examples), comments dropped. */
function readmeCliLines(): string[] {
  return docBlock("README.md", "## CLI")
    .split("\n")
    .map((line) => line.replace(/\s+# .*$/, "").trim())
    .filter((line) => line && !line.startsWith("#"));
}

describe("README's CLI examples", () => {
  it("each exits 0 as written, in one shell as a user would paste them", () => {
    const dir = tempDir("pm-readme-cli-");
    const db = path.join(dir, "registry.db");
    const lines = readmeCliLines();
    expect(lines.length).toBeGreaterThan(6);
    // Each line's exit status to a file of its own, so the commands' output stays theirs.
    const statuses = path.join(dir, "statuses");
    const script = lines.map((line) => `${line}\necho $? >> '${statuses}'`).join("\n");
    try {
      const result = spawnSync("/bin/bash", ["-c", script], {
        env: { ...process.env, PROCESS_MONITOR_DB: db, HOME: dir },
        cwd: path.resolve("."),
        encoding: "utf8",
        timeout: 90_000,
      });
      const codes = fs.readFileSync(statuses, "utf8").trim().split("\n").map(Number);
      lines.forEach((line, i) => expect(codes[i], `${line}\n${result.stderr}`).toBe(0));
      // What they printed: the launch's hash shown, the search found it, the --wait its output.
      const hash = /[0-9a-f]{64}/.exec(result.stdout)?.[0];
      expect(hash, result.stdout).toBeDefined();
      expect(result.stdout).toContain("done\n");
      expect(result.stdout).toMatch(/"name": ?"render"/);
      expect(result.stdout).toContain("Would delete");
      // The example's last line removed its record; the quick one stays, ended.
      const left = spawnSync(process.execPath, ["bin/process-monitor.js", "list", "--json", "--db", db], { encoding: "utf8" });
      expect((JSON.parse(left.stdout) as Array<{ name: string; running: boolean }>).map((r) => [r.name, r.running])).toEqual([
        ["quick", false],
      ]);
    } finally {
      stopAllIn(db);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("docs/api.md's curl examples", () => {
  let dir: string;
  let db: string;
  let server: RunningServer;

  beforeAll(async () => {
    dir = tempDir("pm-readme-");
    db = path.join(dir, "registry.db");
    server = await startServer({ PROCESS_MONITOR_DB: db, HOME: dir });
  });

  afterAll(async () => {
    stopAllIn(db);
    await server?.stop();
  });

  it("each answers as docs/api.md says", async () => {
    const launched = await server.api("/api/processes", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "example", executable: "/bin/sh", args: ["-c", "echo an error here; exec sleep 300"] }),
    });
    const { hash } = (await launched.json()) as { hash: string };
    const env = { TOKEN: server.token, API: `${server.url}/api`, HASH: hash };
    const work = fs.mkdtempSync(path.join(dir, "curl-"));
    // docs/api.md groups them by subject; the two that remove the record go last here.
    const all = apiCurls();
    const removing = (c: string) => c.includes("-X DELETE") || c.includes("/processes/prune");
    const commands = [...all.filter((c) => !removing(c)), ...all.filter(removing)];
    expect(commands.length).toBeGreaterThan(15);
    for (const command of commands) {
      const { status, body } = run(command, env, work);
      if (command.includes('-X POST "$API/processes" ')) {
        // Houdini and the show's folder are not on this machine: the example's body is right,
        // its program and folder are not here; with ones that are, it launches.
        expect(status, command).toBe(400);
        expect(["EXECUTABLE_NOT_FOUND", "CWD_NOT_FOUND"], command).toContain(JSON.parse(body).code);
        const here = command.replace("/opt/hfs/bin/hython", "/bin/echo").replace("/projects/show", dir);
        expect(run(here, env, work).status, here).toBe(201);
        continue;
      }
      // A follow stream stays open: curl's time limit ends it, after its 200.
      expect(status, `${command}\n${body.slice(0, 300)}`).toBeGreaterThanOrEqual(200);
      expect(status, `${command}\n${body.slice(0, 300)}`).toBeLessThan(300);
    }
    // The download wrote the file under its own name, as -OJ does.
    expect(fs.readdirSync(work).some((f) => f.endsWith(".log") || f.endsWith(".txt"))).toBe(true);
  }, 60_000);
});
