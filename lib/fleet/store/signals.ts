import crypto from "node:crypto";
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
/** This process, named in what it notifies: it has told itself already and skips its own. */
const SENDER = crypto.randomUUID();

export type FleetSignal = { kind: "command"; hostKey: string } | { kind: "done"; id: string };

interface Signals {
  local: EventEmitter;
  /** Ends the LISTEN connection for good (the store is closed). */
  close?: () => void;
}

const everyStore = () => shared("fleet-signals", () => new WeakMap<FleetStore, Signals>());

function signalsOf(store: FleetStore): Signals {
  let signals = everyStore().get(store);
  if (!signals) {
    const local = new EventEmitter();
    local.setMaxListeners(0);
    signals = { local };
    everyStore().set(store, signals);
    if (store.location.dialect === "postgres") listen(store.location.url, signals);
  }
  return signals;
}

/** The one name a signal has among this process's listeners. */
function eventOf(signal: FleetSignal): string {
  return signal.kind === "command" ? `command:${signal.hostKey}` : `done:${signal.id}`;
}

function deliver(signals: Signals, signal: FleetSignal): void {
  signals.local.emit(eventOf(signal));
}

/** Keeps one connection LISTENing for the other instances' signals, connecting again after a loss. */
function listen(url: string, signals: Signals): void {
  let delay = 500;
  let closed = false;
  let current: { end: () => Promise<void> } | null = null;
  signals.close = () => {
    closed = true;
    current?.end().catch(() => undefined);
  };
  const connect = async () => {
    if (closed) return;
    const { Client } = (await import("pg")).default;
    const client = new Client({ connectionString: url });
    current = client;
    const again = () => {
      client.removeAllListeners();
      client.end().catch(() => undefined);
      if (!closed) setTimeout(() => void connect(), delay).unref();
      delay = Math.min(delay * 2, 10_000);
    };
    client.on("error", again);
    client.on("notification", ({ payload }) => {
      try {
        const { from, ...signal } = JSON.parse(payload ?? "") as FleetSignal & { from?: string };
        if (from !== SENDER) deliver(signals, signal as FleetSignal);
      } catch {
        /* not one of ours */
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
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
    await store.db.$executeRaw`SELECT pg_notify(${CHANNEL}, ${JSON.stringify({ ...what, from: SENDER })})`.catch(() => undefined);
  }
}

/** Tells this instance only (what a sweep of the store found). */
export function signalHere(store: FleetStore, what: FleetSignal): void {
  deliver(signalsOf(store), what);
}

/** Ends the store's LISTEN connection (the store is being closed). */
export function closeSignals(store: FleetStore): void {
  everyStore().get(store)?.close?.();
  everyStore().delete(store);
}

/** Calls `then` once when `what` is signalled (here or on another instance); returns how to stop waiting. */
export function onSignal(store: FleetStore, what: FleetSignal, then: () => void): () => void {
  const { local } = signalsOf(store);
  const event = eventOf(what);
  local.once(event, then);
  return () => local.off(event, then);
}
