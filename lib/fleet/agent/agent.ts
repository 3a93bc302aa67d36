import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { LocalProcesses } from "../../processes/local";
import { PROTOCOL_VERSION, type AgentCommand, type CommandResult, type Report, type ReportAnswer } from "../protocol";
import { collectProcesses, hostFacts, withLastLines } from "./collect";
import { ChannelUnavailable, HubChannel } from "./channel";
import { executeCommand, watchOutput } from "./commands";
import { buildDelta, detectExits } from "./delta";
import { HubClient, HubError, hubBaseUrls } from "./hub-client";
import { agentDir, forgetCredentials, hostId, machineId, readCredentials, writeCredentials, type Credentials } from "./identity";
import { loadState, saveState, type AgentState } from "./state";
import { reportedHostname } from "../../system/host";

export interface AgentOptions {
  hubUrl: string;
  fleetKey: string;
  processes: LocalProcesses;
  /** The registry file: a write to it triggers a report at once. */
  dbPath: string;
  intervalSeconds?: number;
  dir?: string;
  log?: (line: string) => void;
}

/** PROCESS_MONITOR_HUB_TRANSPORT=http: report and take commands over HTTP only (no WebSocket). */
export const TRANSPORT_ENV = "PROCESS_MONITOR_HUB_TRANSPORT";

/** Longest wait between attempts while the hub is down. */
const MAX_BACKOFF_MS = 60_000;
/** How many carried-out commands are remembered (by id) against a second delivery. */
const CARRIED_OUT_KEPT = 256;
/** How long a stopping agent waits for the hub to take its leave. */
const LEAVE_TIMEOUT_MS = 2_000;
/** Reports triggered by registry writes come at most this often. */
const MIN_GAP_MS = 1_000;

export function reportSeconds(value = process.env.PROCESS_MONITOR_REPORT_SECONDS): number {
  const n = Number(value ?? 5);
  return Number.isFinite(n) && n >= 1 && n <= 3600 ? Math.round(n) : 5;
}

/**
 * Reports this workstation to a hub: host facts and what changed in its process list, every
 * `intervalSeconds` and soon after the registry is written. Works on while the hub is down
 * (bounded backoff) and catches up after; exits are kept on disk until the hub accepted them.
 */
/** A workstation's reporting to its hub as its header shows it. */
export interface AgentStatus {
  hub: string;
  transport: "socket" | "http";
  /** When the hub last accepted a report (ms); null before the first. */
  lastAccepted: number | null;
  /** Why the last attempt failed; null when it went through. */
  error: string | null;
}

export class Agent {
  private readonly client: HubClient;
  /** The WebSocket to the hub; HTTP (client) when it cannot be had. */
  private readonly channel: HubChannel;
  /** A single report (`agent --once`): over HTTP, no socket left open. */
  private oneShot = false;
  private readonly dir: string;
  private readonly interval: number;
  private readonly log: (line: string) => void;
  private state: AgentState;
  private credentials: Credentials | null;
  private timer: NodeJS.Timeout | null = null;
  /** When the pending timer fires. */
  private due = 0;
  private watcher: fs.FSWatcher | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private failures = 0;
  private lastReportAt = 0;
  private revoked = false;
  /** The outcome of the last attempt, for `status()` and logs. */
  lastError: string | null = null;
  lastAccepted: number | null = null;
  /** This agent process, told in every report: a clone copies files, never this. */
  private readonly instance = crypto.randomUUID();
  /** The secret just forgotten after an UNKNOWN_HOST: offered when enrolling again. */
  private formerSecret: string | undefined;

  constructor(private readonly options: AgentOptions) {
    this.log = options.log ?? ((line) => console.log(`[agent] ${line}`));
    this.client = new HubClient(hubBaseUrls(options.hubUrl), undefined, (from, to) =>
      this.log(`the hub at ${from} does not serve now; asking ${to} from now on`),
    );
    this.channel = new HubChannel(
      () => this.client.base,
      (command) => this.run(command),
      (line) => this.log(line),
      (hash, changed) => watchOutput(this.options.processes, hash, changed),
      async (id, result) => {
        if (this.credentials) await this.client.answer(this.credentials.secret, id, result);
      },
    );
    this.dir = options.dir ?? agentDir();
    this.interval = options.intervalSeconds ?? reportSeconds();
    // One hub whichever of its addresses answers: its credentials are kept under the first.
    this.credentials = readCredentials(this.client.home, this.dir);
    this.state = loadState(this.client.home, this.dir);
    if (this.state.hostKey !== (this.credentials?.hostKey ?? null)) this.state.base = null;
  }

  /** How this workstation's reporting goes, for its header: the hub asked, the connection, the last accepted report, the last problem. */
  status(): AgentStatus {
    return {
      hub: this.client.base,
      transport: this.channel.connected ? "socket" : "http",
      lastAccepted: this.lastAccepted,
      error: this.lastError,
    };
  }

  start(): void {
    this.schedule(0);
    void this.commandLoop();
    try {
      const file = path.basename(this.options.dbPath);
      this.watcher = fs.watch(path.dirname(this.options.dbPath), (_event, name) => {
        if (name && String(name).startsWith(file)) this.soon();
      });
      this.watcher.on("error", () => undefined);
    } catch {
      /* no watching (a folder that vanished): the heartbeat still reports */
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.polling.abort();
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
    await this.running;
    await this.leave();
    this.channel.stop();
  }

  /**
   * Tells the hub this agent process stops (a report with `leaving`), so that the next one
   * (a restart, an upgrade) takes the host at once instead of after this one's silence. Best
   * effort, bounded: a hub that does not answer in time waits out the silence instead.
   */
  private async leave(): Promise<void> {
    const credentials = this.credentials;
    if (!credentials || this.revoked || this.oneShot || this.lastAccepted === null || this.state.base === null) return;
    const report = this.report({ base: this.state.base, full: false, upserts: [], removed: [], events: [], leaving: true });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), LEAVE_TIMEOUT_MS)));
    try {
      const answer = await Promise.race([this.send(credentials.secret, report), late]);
      if (answer) {
        this.state = { ...this.state, seq: report.seq, base: answer.accepted };
        saveState(this.state, this.dir);
      }
    } catch {
      /* the next agent waits out this one's silence */
    } finally {
      clearTimeout(timer);
    }
  }

  private readonly polling = new AbortController();

  /**
   * Holds a long-poll open to the hub and carries out what comes back (stop, relaunch, delete,
   * an output range): commands reach a workstation through its own outbound connection. Each
   * is answered once; a change is reported at once after it.
   */
  private async commandLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const credentials = this.credentials;
      if (!credentials || this.revoked) {
        await this.pause(this.interval * 1000);
        continue;
      }
      // While the socket is open, commands come on it.
      if (this.channel.connected) {
        await this.channel.closed();
        continue;
      }
      try {
        const commands = await this.client.commands(credentials.secret, this.instance, this.polling.signal);
        failures = 0;
        for (const command of commands) {
          const result = await this.run(command);
          await this.client
            .answer(credentials.secret, command.id, result)
            .catch((error: Error) => this.log(`could not answer the hub: ${error.message}`));
        }
      } catch {
        if (this.stopped) return;
        failures += 1;
        // The report loop says why the hub is unreachable; this one only waits its turn. While
        // reports go through, a failed poll is tried again after one interval, not a backoff.
        const backoff = this.failures === 0 ? 1 : 2 ** Math.min(failures - 1, 6);
        await this.pause(Math.min(MAX_BACKOFF_MS, this.interval * 1000 * backoff));
      }
    }
  }

  /** The commands carried out lately, by id: one the hub sends again (its socket closed before it heard this agent took it) is answered, not run twice. */
  private readonly carriedOut = new Map<string, Promise<CommandResult>>();

  /** Carries out one command from the hub (on the socket or from the long-poll), at most once; a change is reported at once after it. */
  private run(command: AgentCommand): Promise<CommandResult> {
    let result = this.carriedOut.get(command.id);
    if (!result) {
      result = this.execute(command);
      this.carriedOut.set(command.id, result);
      if (this.carriedOut.size > CARRIED_OUT_KEPT) this.carriedOut.delete(this.carriedOut.keys().next().value!);
    }
    return result;
  }

  private async execute(command: AgentCommand): Promise<CommandResult> {
    const result = await executeCommand(this.options.processes, command);
    this.log(`${command.kind}${command.args.force ? " (force)" : ""} of ${command.hash.slice(0, 12)} from the hub: ${result.message}`);
    if (command.kind !== "range") this.soon(true);
    return result;
  }

  /** A report on the socket, or over HTTP when the socket cannot be had (refused by a proxy, lost, a one-shot). */
  private async send(secret: string, report: Report): Promise<ReportAnswer> {
    if (!this.oneShot && process.env[TRANSPORT_ENV] !== "http") {
      try {
        return await this.channel.report(secret, report);
      } catch (error) {
        // A full instance (many agents coming back at once): the next report may try another of the hub's addresses.
        if (error instanceof HubError && error.code === "BUSY") this.client.moveOn();
        if (!(error instanceof ChannelUnavailable)) throw error;
      }
    }
    return this.client.report(secret, report);
  }

  /** Ends the command loop's current wait (the hub answered a report again). */
  private wakeCommands: (() => void) | null = null;

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      // The listener goes with the wait: a loop of waits on the agent's one signal held every
      // listener it ever added (MaxListenersExceededWarning after the eleventh).
      const done = () => {
        clearTimeout(timer);
        this.polling.signal.removeEventListener("abort", done);
        if (this.wakeCommands === done) this.wakeCommands = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref?.();
      this.wakeCommands = done;
      this.polling.signal.addEventListener("abort", done, { once: true });
    });
  }

  /** One report now (tests, and the CLI's first run); resolves when it is done or failed. */
  async reportNow(): Promise<void> {
    if (this.running) {
      this.again = true;
      await this.running;
      return;
    }
    this.running = this.attempt().finally(() => {
      this.running = null;
    });
    await this.running;
  }

  /**
   * Reports until the hub accepted one (a refusal such as "send everything" or "enrol again"
   * is followed at once), at most a few attempts: the CLI's `agent --once`. Returns the error
   * that stopped it, or null.
   */
  async reportOnce(): Promise<string | null> {
    const before = this.lastAccepted;
    this.oneShot = true;
    for (let attempt = 0; attempt < 4; attempt += 1) {
      this.again = false;
      await this.reportNow();
      if (this.lastAccepted !== before) return null;
      if (!this.again) break;
    }
    return this.lastError ?? "The hub did not accept a report.";
  }

  private soon(now = false): void {
    if (this.stopped || this.revoked || this.failures > 0) return;
    const wait = now ? 0 : Math.max(250, MIN_GAP_MS - (Date.now() - this.lastReportAt));
    this.schedule(wait);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    // Never later than a report already due: a registry written more often than every 250 ms
    // (a run of stops) would otherwise push the next report back for as long as it lasts, and
    // the hub would see the host go stale.
    const due = Date.now() + ms;
    if (this.timer && this.due <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.due = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick();
    }, ms);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    await this.reportNow();
    if (this.again) {
      this.again = false;
      this.schedule(250);
      return;
    }
    if (this.revoked) return;
    const backoff = this.failures === 0 ? this.interval * 1000 : Math.min(MAX_BACKOFF_MS, this.interval * 1000 * 2 ** (this.failures - 1));
    // Jitter keeps a fleet that lost its hub from coming back all in the same second.
    this.schedule(this.failures === 0 ? backoff : backoff * (0.75 + Math.random() * 0.5));
  }

  private async ensureCredentials(): Promise<Credentials> {
    if (this.credentials) return this.credentials;
    const answer = await this.client.enroll(this.options.fleetKey, {
      hostId: hostId(this.dir),
      machineId: machineId(),
      hostname: reportedHostname(),
      ...(this.formerSecret ? { currentSecret: this.formerSecret } : {}),
    });
    this.formerSecret = undefined;
    this.credentials = { hub: this.client.home, hostKey: answer.hostKey, secret: answer.secret, name: answer.name };
    writeCredentials(this.credentials, this.dir);
    this.state.hostKey = answer.hostKey;
    this.state.base = null;
    saveState(this.state, this.dir);
    this.log(
      `enrolled with ${this.client.base} as ${answer.name}` +
        (answer.cloneOf ? " (flagged: another machine reports the same host id; a cloned disk image?)" : "") +
        (answer.pending ? "; this machine was known there, so an operator must approve it on the hub (/fleet) before it reports" : ""),
    );
    return this.credentials;
  }

  /** The next report of this agent process: what it says of itself, and `content`. */
  private report(content: Pick<Report, "base" | "full" | "upserts" | "removed" | "events" | "leaving">): Report {
    return {
      protocol: PROTOCOL_VERSION,
      machineId: machineId(),
      seq: this.state.seq + 1,
      instance: this.instance,
      interval: this.interval,
      facts: hostFacts(reportedHostname()),
      ...content,
    };
  }

  private async attempt(): Promise<void> {
    this.lastReportAt = Date.now();
    try {
      const credentials = await this.ensureCredentials();
      const current = await collectProcesses(this.options.processes);
      const exits = await withLastLines(detectExits(this.state, current), current);
      if (exits.length > 0) {
        // On disk before anything is sent: an exit survives a restart of the agent.
        this.state.pending.push(...exits);
        saveState(this.state, this.dir);
      }
      const delta = buildDelta(this.state, current);
      const report = this.report({
        base: delta.full ? null : this.state.base,
        full: delta.full,
        upserts: delta.upserts,
        removed: delta.removed,
        events: this.state.pending,
        // A single report (`agent --once`) stops after it: a running agent's restart is not held up by it.
        ...(this.oneShot ? { leaving: true } : {}),
      });
      this.state.seq = report.seq;
      const answer = await this.send(credentials.secret, report);
      const sent = new Set(report.events.map((e) => e.hash));
      this.state = {
        ...this.state,
        base: answer.accepted,
        accepted: delta.next,
        pending: this.state.pending.filter((e) => !sent.has(e.hash)),
      };
      saveState(this.state, this.dir);
      if (this.failures > 0) {
        this.log(`the hub is back: caught up (${report.upserts.length} changed, ${report.events.length} exits)`);
        this.channel.hubBack();
      }
      // Commands too, at once, not after the command loop's own backoff: whenever the hub takes a
      // report, a command loop waiting out failed polls asks again (a backoff grown while the hub
      // was unreachable must not keep a command waiting once it is back).
      this.wakeCommands?.();
      this.failures = 0;
      this.lastError = null;
      this.lastAccepted = Date.now();
    } catch (error) {
      this.handleFailure(error);
    }
  }

  private handleFailure(error: unknown): void {
    const message = (error as Error).message;
    if (error instanceof HubError && error.code === "NEED_FULL") {
      this.state.base = null;
      saveState(this.state, this.dir);
      this.again = true;
      return;
    }
    if (error instanceof HubError && (error.code === "UNKNOWN_HOST" || error.code === "CLONE")) {
      this.log(`${message} Enrolling again.`);
      // A secret the hub no longer knows may still be its own (it lost its store); one shared with a clone is not offered.
      this.formerSecret = error.code === "UNKNOWN_HOST" ? this.credentials?.secret : undefined;
      this.credentials = null;
      forgetCredentials(this.dir);
      this.state.base = null;
      this.again = true;
      return;
    }
    if (error instanceof HubError && error.code === "TAKEOVER_WAIT") {
      // Another process holds the host (this agent restarted, or this is a second machine): asked
      // again each interval until the hub decides.
      if (this.lastError !== message) this.log(message);
      this.failures = 1;
      this.lastError = message;
      return;
    }
    if (error instanceof HubError && error.code === "PENDING") {
      if (this.lastError !== message) this.log(`${message} Trying again with backoff.`);
      this.failures += 1;
      this.lastError = message;
      return;
    }
    if (error instanceof HubError && (error.code === "REVOKED" || error.code === "WRONG_KEY")) {
      if (!this.revoked) this.log(`${message} Reporting stops until the agent is restarted.`);
      this.revoked = true;
      this.lastError = message;
      return;
    }
    this.failures += 1;
    if (this.failures === 1 || this.lastError !== message)
      this.log(`${message}; retrying with backoff (exits are kept until the hub takes them)`);
    this.lastError = message;
  }
}
