#!/usr/bin/env node
// The `process-monitor` command (also `npm run cli`). Runs the CLI bundled into plain
// JavaScript at install time, rebuilding it first when a source changed since.
import { buildCli, cliBundle, cliBundleIsStale } from "../scripts/build-cli.js";
import { pathToFileURL } from "node:url";

if (cliBundleIsStale()) await buildCli();
const { runCli } = await import(pathToFileURL(cliBundle).href);
process.exitCode = await runCli(process.argv.slice(2));
