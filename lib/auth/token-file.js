// The access token, shared by `npm start` (which prints the login URL) and the server.
// Plain JavaScript so that scripts/start.js can use it without a TypeScript loader.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import envPaths from "env-paths";

export const TOKEN_ENV = "PROCESS_MONITOR_TOKEN";

/** Where the generated token is kept: the user's data folder for Process Monitor. */
export function tokenFilePath() {
  return path.join(envPaths("process-monitor", { suffix: "" }).data, "token");
}

/**
 * PROCESS_MONITOR_TOKEN when set; otherwise the token kept in the data folder, created
 * (random, owner-only permissions) on first use.
 * @returns {{ token: string, source: "env" | "file", file: string | null }}
 */
export function resolveToken() {
  const fromEnv = process.env[TOKEN_ENV];
  if (fromEnv && fromEnv.trim()) return { token: fromEnv.trim(), source: "env", file: null };
  const file = tokenFilePath();
  try {
    const existing = fs.readFileSync(file, "utf8").trim();
    if (existing.length >= 16) return { token: existing, source: "file", file };
  } catch {
    /* not there yet */
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const token = crypto.randomBytes(24).toString("hex");
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${token}\n`, { mode: 0o600 });
  try {
    // Another process may have created it meanwhile: theirs wins, so both agree.
    fs.linkSync(temporary, file);
  } catch {
    fs.rmSync(temporary, { force: true });
    return resolveToken();
  }
  fs.rmSync(temporary, { force: true });
  fs.chmodSync(file, 0o600);
  return { token, source: "file", file };
}

const LOOPBACK = /^(127(?:\.\d{1,3}){3}|::1|\[::1\]|localhost)$/i;

export function isLoopbackHost(host) {
  return LOOPBACK.test(String(host).trim());
}
