export { Registry, type ListOptions } from "./registry";
export type { ProcessRow } from "./row";
export { RegistryError, type RegistryErrorCode } from "./errors";
export { processHash, isProcessHash } from "./hash";
export type { ListedProcess, ProcessRecord, ProcessStatus, StoreInput } from "./types";
