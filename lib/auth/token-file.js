// The access token, shared by `npm start` (which prints the login URL) and the server.
// Plain JavaScript so that scripts/start.js can use it without a TypeScript loader.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import envPaths from "env-paths";

export const TOKEN_ENV = "PROCESS_MONITOR_TOKEN";

/** Shorter tokens could be guessed; a generated one is 48 characters. */
export const MIN_TOKEN_LENGTH = 16;

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
  if (fromEnv && fromEnv.trim()) {
    const token = fromEnv.trim();
    if (token.length < MIN_TOKEN_LENGTH) {
      throw new Error(
        `${TOKEN_ENV} is ${token.length} characters long; it must have at least ${MIN_TOKEN_LENGTH}, or it could be guessed.\n` +
          `Set a long random one (for example: export ${TOKEN_ENV}=$(openssl rand -hex 24)), or unset it to use the generated token.`,
      );
    }
    return { token, source: "env", file: null };
  }
  const file = tokenFilePath();
  try {
    const existing = fs.readFileSync(file, "utf8").trim();
    if (existing.length >= MIN_TOKEN_LENGTH) {
      const stat = fs.statSync(file);
      if (stat.uid === process.getuid?.() && (stat.mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
      return { token: existing, source: "file", file };
    }
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
