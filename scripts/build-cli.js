#!/usr/bin/env node
// Bundles the CLI (lib/cli/main.ts and what it imports) into JavaScript (dist/cli: main.js and
// its chunks), so the command starts without compiling TypeScript at run time. Packages stay
// external.
// Run at install (postinstall) and again by bin/process-monitor.js when a source changed.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { newestMtime } from "./newest-mtime.js";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.join(root, "dist", "cli");
export const cliBundle = path.join(outdir, "main.js");
/** The same CLI in one self-contained file, for the commands that run for long. */
export const cliWholeBundle = path.join(outdir, "whole.js");

/**
 * Whether a command runs for long (the agent; `launch --wait`) and so from the self-contained
 * bundle. `args`: the command line after `process-monitor`; a launched program's own words
 * (after `--`) never count.
 */
export function runsForLong(args) {
  const own = args.includes("--") ? args.slice(0, args.indexOf("--")) : args;
  const command = own.find((word, i) => !word.startsWith("-") && own[i - 1] !== "--db");
  return command === "agent" || (command === "launch" && own.includes("--wait"));
}
/** Everything the bundle is made from (generated Prisma client included). */
const SOURCES = ["lib", "prisma", "package-lock.json", "scripts/build-cli.js"];

export function cliBundleIsStale() {
  let built;
  try {
    built = Math.min(fs.statSync(cliBundle).mtimeMs, fs.statSync(cliWholeBundle).mtimeMs);
  } catch {
    return true;
  }
  return SOURCES.some((p) => newestMtime(path.join(root, p)) > built);
}

/**
 * The CLI reaches the registry through better-sqlite3 directly (lib/db/client.ts, `direct`);
 * Prisma's client is the server's. Bundled, its runtime was imported at every start (an
 * external import in a one-file bundle is hoisted to the top, even behind a dynamic import of
 * ours): 300 ms and 55 MB of a `process-monitor list`. In its place, one that says so if used.
 */
const withoutPrismaClient = {
  name: "without-prisma-client",
  setup(build) {
    build.onResolve({ filter: /generated\/prisma\/client$/ }, (args) => ({ path: args.path, namespace: "cli-no-prisma" }));
    build.onLoad({ filter: /.*/, namespace: "cli-no-prisma" }, () => ({
      // Loading it is harmless (a long-running command loads every chunk); using it says why not.
      contents:
        "export class PrismaClient { constructor() { throw new Error(\"The CLI reaches the registry directly (driver: direct); Prisma's client is the web server's.\"); } }",
      loader: "js",
    }));
  },
};

/** How long a replaced build's chunks stay beside the new one, for a command started before it. */
const KEEP_REPLACED_MS = 24 * 3600 * 1000;

export async function buildCli() {
  const esbuild = await import("esbuild");
  const temp = `${outdir}.${process.pid}.tmp`;
  const common = {
    absWorkingDir: root,
    outdir: temp,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    plugins: [withoutPrismaClient],
    logLevel: "warning",
  };
  // The CLI twice. In chunks (main.js): a command loads what it uses (`list` neither zod nor
  // the agent's WebSocket), which one file cannot do, since a bundle's package imports are all
  // hoisted to its top. In one self-contained file (whole.js), for the commands that run for
  // long (the agent, `launch --wait`; bin/process-monitor.js picks): a rebuild under them (every
  // npm install) cannot take away code they have yet to load ("Cannot find module stop-….js" was
  // every stop from the hub; Node resolves a dynamic import on disk even when it is loaded). A
  // replaced build's chunks stay a day, for a short command that started just before.
  await esbuild.build({
    ...common,
    entryPoints: { main: path.join(root, "lib", "cli", "main.ts") },
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
  });
  await esbuild.build({
    ...common,
    entryPoints: {
      whole: path.join(root, "lib", "cli", "main.ts"),
      // Windows' per-user supervisor, which a launch there starts from this folder, for days.
      supervisor: path.join(root, "lib", "launcher", "win32", "supervisor-main.ts"),
    },
  });
  keepReplacedChunks(path.join(outdir, "chunks"), path.join(temp, "chunks"));
  // Swapped into place: a CLI started meanwhile never imports a half-written file.
  const old = `${outdir}.${process.pid}.old`;
  try {
    if (fs.existsSync(outdir)) fs.renameSync(outdir, old);
    fs.renameSync(temp, outdir);
  } catch {
    // Another command rebuilt it at the same moment: theirs is as good as ours.
    fs.rmSync(temp, { recursive: true, force: true });
  }
  fs.rmSync(old, { recursive: true, force: true });
}

/** The previous build's chunks that the new one does not have, kept (with their time) until a day old. */
function keepReplacedChunks(from, to) {
  let names;
  try {
    names = fs.readdirSync(from);
  } catch {
    return;
  }
  fs.mkdirSync(to, { recursive: true });
  for (const name of names) {
    const source = path.join(from, name);
    const target = path.join(to, name);
    try {
      const stat = fs.statSync(source);
      if (fs.existsSync(target) || Date.now() - stat.mtimeMs > KEEP_REPLACED_MS) continue;
      fs.copyFileSync(source, target);
      fs.utimesSync(target, stat.atime, stat.mtime);
    } catch {
      /* gone meanwhile */
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await buildCli();
}
