import { execFileSync } from "node:child_process";
import path from "node:path";

const script = path.join(import.meta.dirname, "ayon_reference.py");
/** Debian's python3, which has python3-psutil (installed by .ci/run). */
const python = process.env.AYON_PYTHON ?? "/usr/bin/python3";

/** Runs the AYON reference helper and returns its stdout, trimmed. */
export function ayon(args: string[], input?: string): string {
  return execFileSync(python, [script, ...args], { encoding: "utf8", input }).trim();
}
