export declare const cliBundle: string;
export declare function cliBundleIsStale(): boolean;
export declare function buildCli(): Promise<void>;
