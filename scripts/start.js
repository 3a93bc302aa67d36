#!/usr/bin/env node
// `npm start`: builds the dashboard if needed, then serves it on HOST:PORT
// (127.0.0.1:3000 by default).
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBuild, nextBin } from "./ensure-build.js";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
try {
  ensureBuild({ force: process.argv.includes("--rebuild") });
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

const host = process.env.HOST || "127.0.0.1";
const port = process.env.PORT || "3000";
const server = spawn(process.execPath, [nextBin, "start", "-H", host, "-p", port], { cwd: root, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
