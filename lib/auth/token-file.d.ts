export declare const TOKEN_ENV: "PROCESS_MONITOR_TOKEN";
export declare const MIN_TOKEN_LENGTH: number;
export declare function tokenFilePath(): string;
export interface ResolvedSecret {
  token: string;
  source: "env" | "file";
  file: string | null;
}
export declare function resolveSecret(where: { env: string; file: string }): ResolvedSecret;
export declare function resolveToken(): ResolvedSecret;
export declare const FLEET_KEY_ENV: "PROCESS_MONITOR_FLEET_KEY";
export declare function resolveFleetKey(): ResolvedSecret;
export declare function isLoopbackHost(host: string): boolean;
