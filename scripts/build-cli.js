#!/usr/bin/env node
// Bundles the CLI (lib/cli/main.ts and what it imports) into one JavaScript file, so the
// command starts without compiling TypeScript at run time. Packages stay external.
// Run at install (postinstall) and again by bin/process-monitor.js when a source changed.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { newestMtime } from "./newest-mtime.js";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.join(root, "dist", "cli");
export const cliBundle = path.join(outdir, "main.js");
/** Everything the bundle is made from (generated Prisma client included). */
const SOURCES = ["lib", "prisma", "package-lock.json", "scripts/build-cli.js"];

export function cliBundleIsStale() {
  let built;
  try {
    built = fs.statSync(cliBundle).mtimeMs;
  } catch {
    return true;
  }
  return SOURCES.some((p) => newestMtime(path.join(root, p)) > built);
}

export async function buildCli() {
  const esbuild = await import("esbuild");
  const temp = `${outdir}.${process.pid}.tmp`;
  await esbuild.build({
    // The CLI, and Windows' per-user supervisor (lib/launcher/win32/supervisor.ts), which a
    // launch there starts from this folder.
    entryPoints: {
      main: path.join(root, "lib", "cli", "main.ts"),
      supervisor: path.join(root, "lib", "launcher", "win32", "supervisor-main.ts"),
    },
    outdir: temp,
    // One self-contained file per entry, our code behind a dynamic import included: a running
    // agent or keeper never reads this folder again, so a rebuild (every npm install) cannot pull
    // a chunk from under it (a headless agent's stops failed with "Cannot find module stop-….js").
    // A dynamic import of our own code is still evaluated only when it is used.
    splitting: false,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
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

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await buildCli();
}
