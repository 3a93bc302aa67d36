#!/usr/bin/env node
// The installed `process-monitor` command: runs the TypeScript CLI through tsx.
import { register } from "tsx/esm/api";
import { fileURLToPath } from "node:url";
import path from "node:path";

register();
const { runCli } = await import(path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "lib", "cli", "main.ts"));
process.exitCode = await runCli(process.argv.slice(2));
