export declare function newestMtime(entry: string, skip?: (name: string) => boolean): number;
