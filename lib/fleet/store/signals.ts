import { EventEmitter } from "node:events";
import { shared } from "../../config/shared";
import type { FleetClient, FleetLocation } from "../../db/fleet-client";

/** A fleet store as signals need it (its FleetStore, without importing the module that opens it). */
interface FleetStore {
  db: FleetClient;
  location: FleetLocation;
}

// What one hub instance tells the others at once (SPEC "The agents' channel": several hubs on
// one PostgreSQL): a command waits for a host whose agent may be connected to another instance,
// an answer came in for a command another instance waits on. On PostgreSQL they travel by
// LISTEN/NOTIFY on one connection of their own; on SQLite (one instance) they stay in-process.
// A signal can be lost (the listening connection down for a moment): the callers' own sweeps
// of the store, once a second, find what it missed.

const CHANNEL = "process_monitor_fleet";

export type FleetSignal = { kind: "command"; hostKey: string } | { kind: "done"; id: string };

interface Signals {
  local: EventEmitter;
  listening: boolean;
  /** Ends the LISTEN connection for good (the store is closed). */
  close?: () => void;
}

function signalsOf(store: FleetStore): Signals {
  const all = shared("fleet-signals", () => new WeakMap<FleetStore, Signals>());
  let signals = all.get(store);
  if (!signals) {
    const local = new EventEmitter();
    local.setMaxListeners(0);
    signals = { local, listening: false };
    all.set(store, signals);
    if (store.location.dialect === "postgres") listen(store.location.url, signals);
  }
  return signals;
}

function deliver(signals: Signals, signal: FleetSignal): void {
  signals.local.emit(signal.kind === "command" ? `command:${signal.hostKey}` : `done:${signal.id}`);
}

/** Keeps one connection LISTENing for the other instances' signals, connecting again after a loss. */
function listen(url: string, signals: Signals): void {
  let delay = 500;
  let closed = false;
  let current: { end: () => Promise<void> } | null = null;
  signals.close = () => {
    closed = true;
    signals.listening = false;
    current?.end().catch(() => undefined);
  };
  const connect = async () => {
    if (closed) return;
    const { Client } = (await import("pg")).default;
    const client = new Client({ connectionString: url });
    current = client;
    const again = () => {
      signals.listening = false;
      client.removeAllListeners();
      client.end().catch(() => undefined);
      if (!closed) setTimeout(() => void connect(), delay).unref();
      delay = Math.min(delay * 2, 10_000);
    };
    client.on("error", again);
    client.on("notification", ({ payload }) => {
      try {
        deliver(signals, JSON.parse(payload ?? "") as FleetSignal);
      } catch {
        /* not one of ours */
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      signals.listening = true;
      delay = 500;
      // Not a reason to keep the process alive (tests, a hub stopping).
      (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
    } catch {
      again();
    }
  };
  void connect();
}

/** Tells this instance at once, and the others through the store. */
export async function signal(store: FleetStore, what: FleetSignal): Promise<void> {
  const signals = signalsOf(store);
  deliver(signals, what);
  if (store.location.dialect === "postgres") {
    await store.db.$executeRaw`SELECT pg_notify(${CHANNEL}, ${JSON.stringify(what)})`.catch(() => undefined);
  }
}

/** Tells this instance only (what a sweep of the store found). */
export function signalHere(store: FleetStore, what: FleetSignal): void {
  deliver(signalsOf(store), what);
}

/** Ends the store's LISTEN connection (the store is being closed). */
export function closeSignals(store: FleetStore): void {
  const all = shared("fleet-signals", () => new WeakMap<FleetStore, Signals>());
  all.get(store)?.close?.();
  all.delete(store);
}

/** Calls `then` once when `what` is signalled (here or on another instance); returns how to stop waiting. */
export function onSignal(store: FleetStore, what: FleetSignal, then: () => void): () => void {
  const { local } = signalsOf(store);
  const event = what.kind === "command" ? `command:${what.hostKey}` : `done:${what.id}`;
  local.once(event, then);
  return () => local.off(event, then);
}

/** Whether another instance's signals reach this one now (PostgreSQL: the LISTEN connection is up). */
export function hearsOthers(store: FleetStore): boolean {
  return store.location.dialect !== "postgres" || signalsOf(store).listening;
}
