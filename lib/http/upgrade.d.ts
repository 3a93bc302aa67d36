import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
export function setUpgradeHandler(handler: UpgradeHandler | null): void;
export function upgradeHandler(): UpgradeHandler | null;
export function backgroundStarted(): boolean;
export function setShutdownHook(hook: (() => Promise<void>) | null): void;
export function runShutdownHook(): Promise<void>;
