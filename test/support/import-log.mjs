// `node --import ./test/support/import-log.mjs …`: appends every package the process imports
// (bare specifiers: zod, ws, @prisma/…) to the file named by PM_IMPORT_LOG, one per line.
import fs from "node:fs";
import { register } from "node:module";
import { isMainThread } from "node:worker_threads";

if (isMainThread) register(import.meta.url);

export async function resolve(specifier, context, next) {
  if (process.env.PM_IMPORT_LOG && !/^(\.|\/|node:|file:|data:)/.test(specifier))
    fs.appendFileSync(process.env.PM_IMPORT_LOG, `${specifier}\n`);
  return next(specifier, context);
}
