import crypto from "node:crypto";
import path from "node:path";
import Database from "better-sqlite3";
import { dataDir, ensureDir } from "../config/paths";
import { preparePrivateDatabase, tightenCompanions } from "../db/private-file";
import { shared } from "../config/shared";

/** How long a session lasts without being used (PROCESS_MONITOR_SESSION_IDLE_DAYS, default 30). */
export function idleLimitSeconds(): number {
  const days = Number(process.env.PROCESS_MONITOR_SESSION_IDLE_DAYS);
  return Math.round((Number.isFinite(days) && days > 0 ? days : 30) * 24 * 3600);
}

/** last_seen is written at most this often per session, so browsing is not a stream of writes. */
const TOUCH_EVERY_SECONDS = 60;

export interface SessionInfo {
  /** A short, non-secret handle (start of the id's hash) to tell sessions apart. */
  handle: string;
  createdAt: Date;
  lastSeenAt: Date;
  address: string | null;
  userAgent: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id_hash TEXT PRIMARY KEY,
  token_fingerprint TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  address TEXT,
  user_agent TEXT
);
CREATE INDEX IF NOT EXISTS sessions_last_seen ON sessions(last_seen);`;

const sha256 = (value: string) => crypto.createHash("sha256").update(value, "utf8").digest("hex");
const now = () => Math.floor(Date.now() / 1000);

/**
 * Browser sessions, kept server-side in a small SQLite file of our own (never the AYON
 * registry). The cookie holds a random id; only its hash is stored, so the file alone
 * logs nobody in. A session is bound to the token it was opened with: a new token ends
 * every session.
 */
export class SessionStore {
  private readonly db: Database.Database;

  constructor(readonly file: string) {
    ensureDir(path.dirname(file));
    preparePrivateDatabase(file);
    this.db = new Database(file, { timeout: 5_000 });
    this.db.pragma("journal_mode = WAL");
    this.db.exec(SCHEMA);
    tightenCompanions(file);
  }

  /** Opens a session; returns the id for the cookie. */
  create(token: string, details: { address?: string | null; userAgent?: string | null } = {}): string {
    const id = crypto.randomBytes(32).toString("base64url");
    const at = now();
    this.db
      .prepare("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)")
      .run(sha256(id), sha256(token), at, at, details.address?.slice(0, 100) ?? null, details.userAgent?.slice(0, 300) ?? null);
    this.db.prepare("DELETE FROM sessions WHERE last_seen < ?").run(at - idleLimitSeconds());
    return id;
  }

  /** Whether `id` is a live session for `token`; refreshes its idle clock. */
  check(id: string | null | undefined, token: string): boolean {
    return this.which(id, [token]) === 0;
  }

  /**
   * Which of `tokens` (the operator's, the viewer's) the live session `id` belongs to, or -1;
   * a session of none of them (the token changed) or idle too long is ended.
   */
  which(id: string | null | undefined, tokens: string[]): number {
    if (typeof id !== "string" || id.length < 20 || id.length > 100) return -1;
    const idHash = sha256(id);
    const row = this.db.prepare("SELECT token_fingerprint AS fp, last_seen AS seen FROM sessions WHERE id_hash = ?").get(idHash) as
      { fp: string; seen: number } | undefined;
    if (!row) return -1;
    const at = now();
    const index = tokens.findIndex((token) => sha256(token) === row.fp);
    if (index < 0 || at - row.seen > idleLimitSeconds()) {
      this.db.prepare("DELETE FROM sessions WHERE id_hash = ?").run(idHash);
      return -1;
    }
    if (at - row.seen >= TOUCH_EVERY_SECONDS) this.db.prepare("UPDATE sessions SET last_seen = ? WHERE id_hash = ?").run(at, idHash);
    return index;
  }

  handleOf(id: string): string {
    return sha256(id).slice(0, 12);
  }

  revoke(id: string | null | undefined): void {
    if (typeof id === "string") this.db.prepare("DELETE FROM sessions WHERE id_hash = ?").run(sha256(id));
  }

  /** Ends every session (of one token's, when given); returns how many there were. */
  revokeAll(token?: string): number {
    if (token) return this.db.prepare("DELETE FROM sessions WHERE token_fingerprint = ?").run(sha256(token)).changes;
    return this.db.prepare("DELETE FROM sessions").run().changes;
  }

  list(token: string): SessionInfo[] {
    const rows = this.db
      .prepare(
        "SELECT id_hash, created_at, last_seen, address, user_agent FROM sessions WHERE token_fingerprint = ? AND last_seen >= ? ORDER BY last_seen DESC",
      )
      .all(sha256(token), now() - idleLimitSeconds()) as {
      id_hash: string;
      created_at: number;
      last_seen: number;
      address: string | null;
      user_agent: string | null;
    }[];
    return rows.map((r) => ({
      handle: r.id_hash.slice(0, 12),
      createdAt: new Date(r.created_at * 1000),
      lastSeenAt: new Date(r.last_seen * 1000),
      address: r.address,
      userAgent: r.user_agent,
    }));
  }

  close(): void {
    this.db.close();
  }
}

/** Where the server keeps its sessions: beside the token, in our data folder. */
export function sessionsFilePath(): string {
  return path.join(dataDir(), "sessions.db");
}

/** The server's one session store. */
export function sessionStore(): SessionStore {
  return shared("sessions", () => new SessionStore(sessionsFilePath()));
}
