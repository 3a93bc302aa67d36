import type { BlockList } from "node:net";

export function trustedProxies(value?: string): BlockList | null;
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, list: BlockList | null): string;
