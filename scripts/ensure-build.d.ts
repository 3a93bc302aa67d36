export declare const nextBin: string;
export declare function buildIsStale(): boolean;
export declare function ensureBuild(options?: { force?: boolean }): void;
export declare function newestSource(): { mtime: number; entry: string | null };
