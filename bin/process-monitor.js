#!/usr/bin/env node
// The `process-monitor` command (also `npm run cli`). Runs the CLI bundled into plain
// JavaScript at install time (scripts/build-cli.js), rebuilding it first when a source changed since.
import { buildCli, cliBundle, cliBundleIsStale, cliWholeBundle, runsForLong } from "../scripts/build-cli.js";
import { pathToFileURL } from "node:url";

if (cliBundleIsStale()) await buildCli();
const args = process.argv.slice(2);
// A short command loads only the chunks it uses; one that runs for long, one file (see there).
const { runCli } = await import(pathToFileURL(runsForLong(args) ? cliWholeBundle : cliBundle).href);
process.exitCode = await runCli(args);
