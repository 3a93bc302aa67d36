export declare const TOKEN_ENV: "PROCESS_MONITOR_TOKEN";
export declare const MIN_TOKEN_LENGTH: number;
export declare function tokenFilePath(): string;
export declare function resolveToken(): { token: string; source: "env" | "file"; file: string | null };
export declare function isLoopbackHost(host: string): boolean;
