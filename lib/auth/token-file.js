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
 * A secret from its environment variable when set; otherwise the one kept in `file`, created
 * (random, owner-only permissions) on first use. Used for the access token and the hub's
 * fleet key.
 * @param {{ env: string, file: string }} where
 * @returns {{ token: string, source: "env" | "file", file: string | null }}
 */
export function resolveSecret({ env, file }) {
  const fromEnv = process.env[env];
  if (fromEnv && fromEnv.trim()) {
    const token = fromEnv.trim();
    if (token.length < MIN_TOKEN_LENGTH) {
      throw new Error(
        `${env} is ${token.length} characters long; it must have at least ${MIN_TOKEN_LENGTH}, or it could be guessed.\n` +
          `Set a long random one (for example: export ${env}=$(openssl rand -hex 24)), or unset it to use a generated one.`,
      );
    }
    return { token, source: "env", file: null };
  }
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
    return resolveSecret({ env, file });
  }
  fs.rmSync(temporary, { force: true });
  fs.chmodSync(file, 0o600);
  return { token, source: "file", file };
}

/** PROCESS_MONITOR_TOKEN, else the token kept in the data folder. */
export function resolveToken() {
  return resolveSecret({ env: TOKEN_ENV, file: tokenFilePath() });
}

export const FLEET_KEY_ENV = "PROCESS_MONITOR_FLEET_KEY";

/** The hub's fleet key, which agents present once to enrol: PROCESS_MONITOR_FLEET_KEY, else `<data dir>/fleet-key`. */
export function resolveFleetKey() {
  return resolveSecret({ env: FLEET_KEY_ENV, file: path.join(envPaths("process-monitor", { suffix: "" }).data, "fleet-key") });
}

const LOOPBACK = /^(127(?:\.\d{1,3}){3}|::1|\[::1\]|localhost)$/i;

export function isLoopbackHost(host) {
  return LOOPBACK.test(String(host).trim());
}
