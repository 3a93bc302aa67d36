export declare const nextBin: string;
export declare function buildIsStale(dir?: string): boolean;
export declare function ensureBuild(options?: { force?: boolean }): void;
export declare function newestSource(dir?: string): { mtime: number; entry: string | null };
