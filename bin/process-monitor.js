#!/usr/bin/env node
// The `process-monitor` command (also `npm run cli`). Runs the CLI bundled into plain
// JavaScript at install time (scripts/build-cli.js), rebuilding it first when a source changed since.
import module from "node:module";
import { pathToFileURL } from "node:url";
import { buildCli, cliBundle, cliBundleIsStale, cliWholeBundle, runsForLong } from "../scripts/build-cli.js";

// Node 22.1 and later keep the bundle's compiled code on disk between runs (a short command
// spends much of its time compiling); Node 20 has no such cache and starts as before.
module.enableCompileCache?.();

if (cliBundleIsStale()) await buildCli();
const args = process.argv.slice(2);
// A short command loads only the chunks it uses; one that runs for long, one file (see there).
const { runCli } = await import(pathToFileURL(runsForLong(args) ? cliWholeBundle : cliBundle).href);
process.exitCode = await runCli(args);
