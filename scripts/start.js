#!/usr/bin/env node
// `npm start`: builds the dashboard when the build is missing or older than the
// sources, then serves it on HOST:PORT (127.0.0.1:3000 by default).
import { spawnSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
const buildId = path.join(root, ".next", "BUILD_ID");

function newestMtime(entry) {
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const child of fs.readdirSync(entry)) {
    if (child === "generated" || child === "node_modules") continue;
    newest = Math.max(newest, newestMtime(path.join(entry, child)));
  }
  return newest;
}

function buildIsStale() {
  if (!fs.existsSync(buildId)) return true;
  const built = fs.statSync(buildId).mtimeMs;
  const sources = ["app", "components", "lib", "public", "prisma", "package-lock.json", "next.config.js"]
    .map((p) => path.join(root, p))
    .filter((p) => fs.existsSync(p));
  return sources.some((p) => newestMtime(p) > built);
}

if (process.argv.includes("--rebuild") || buildIsStale()) {
  console.log("Building the dashboard (once per change)…");
  const result = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const host = process.env.HOST || "127.0.0.1";
const port = process.env.PORT || "3000";
const server = spawn(process.execPath, [nextBin, "start", "-H", host, "-p", port], { cwd: root, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
