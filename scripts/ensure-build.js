#!/usr/bin/env node
// Builds the dashboard when the build is missing or older than its sources.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { newestMtime } from "./newest-mtime.js";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
const buildIdOf = (dir) => path.join(dir, ".next", "BUILD_ID");
/**
 * What is not part of the build. Everything else at the top of the checkout is: the app,
 * proxy.ts, configuration, .env files, the lockfile, and whatever is added later. A list
 * of what to leave out cannot miss a new source the way a list of sources did (proxy.ts).
 */
const NOT_BUILT = new Set([
  "node_modules",
  ".next",
  ".git",
  ".cache",
  ".ci",
  "dist",
  "test",
  "test-results",
  "bench",
  "scratch",
  "screenshots",
  "docs",
  "bin",
  "scripts",
]);
const notBuilt = (name) => NOT_BUILT.has(name) || name.endsWith(".md") || name.endsWith(".tsbuildinfo") || name === "next-env.d.ts";

/** The newest change among the build's sources (of the checkout at `dir`), and which top-level entry holds it. */
export function newestSource(dir = root) {
  let newest = { mtime: 0, entry: null };
  for (const name of fs.readdirSync(dir)) {
    if (notBuilt(name)) continue;
    const mtime = newestMtime(path.join(dir, name), (child) => child === "node_modules" || child === ".next");
    if (mtime > newest.mtime) newest = { mtime, entry: name };
  }
  return newest;
}

/** Whether the build of the checkout at `dir` (this one unless a test's copy) is older than a source of it. */
export function buildIsStale(dir = root) {
  if (!fs.existsSync(buildIdOf(dir))) return true;
  return newestSource(dir).mtime > fs.statSync(buildIdOf(dir)).mtimeMs;
}

export function ensureBuild({ force = false } = {}) {
  if (!force && !buildIsStale()) return;
  console.log("Building the dashboard (once per change)…");
  const result = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) throw new Error(`next build failed with exit code ${result.status}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  ensureBuild({ force: process.argv.includes("--force") });
}
