// Windows' ways with text that pages, the CLI and the launcher share (safe in the browser).

/**
 * A path only Windows writes: a drive (`C:`) or a UNC or device prefix with backslashes
 * (`\\server`, `\\?\`). `//server/share` is a POSIX path too (two leading slashes are
 * allowed there), so it keeps the rules of the system it is on.
 */
export function looksLikeWindowsPath(text: string): boolean {
  return /^[A-Za-z]:/.test(text) || /^\\\\[^\\]/.test(text);
}

/** One argument as CommandLineToArgvW (and the C runtime) reads it back. */
export function quoteWindowsArgument(arg: string): string {
  if (arg !== "" && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let backslashes = 0;
  for (const ch of arg) {
    if (ch === "\\") {
      backslashes++;
      continue;
    }
    // Backslashes are literal except right before a quote, where they escape it.
    out += "\\".repeat(ch === '"' ? backslashes * 2 + 1 : backslashes) + ch;
    backslashes = 0;
  }
  return `${out}${"\\".repeat(backslashes * 2)}"`;
}

/** A program's path, first on a command line: quoted when it holds a space (a Windows path never holds `"`). */
export function quoteWindowsProgram(program: string): string {
  return /\s/.test(program) || program === "" ? `"${program}"` : program;
}

/** NTSTATUS codes a crashed Windows program exits with, by the words people search for. */
const NTSTATUS: Record<number, string> = {
  0xc0000005: "access violation",
  0xc000001d: "illegal instruction",
  0xc0000017: "out of memory",
  0xc0000094: "integer divide by zero",
  0xc00000fd: "stack overflow",
  0xc0000135: "a DLL was not found",
  0xc0000139: "a DLL entry point was not found",
  0xc0000142: "a DLL failed to initialise",
  0xc000013a: "ended by Ctrl+C",
  0xc0000374: "heap corruption",
  0xc0000409: "stack buffer overrun",
  0xc0000602: "fail-fast exception",
  0xe06d7363: "unhandled C++ exception",
};

/**
 * An exit code as people read it: as it is up to 255 (all a POSIX program can have); beyond,
 * a Windows code, in hex and with its meaning when known (3221225477 is 0xC0000005).
 */
export function exitCodeText(code: number, long = false): string {
  if (code >= 0 && code <= 255) return String(code);
  const unsigned = code >>> 0;
  const hex = `0x${unsigned.toString(16).toUpperCase().padStart(8, "0")}`;
  const meaning = NTSTATUS[unsigned];
  if (!long) return hex;
  return `${unsigned} (${hex}${meaning ? `, ${meaning}` : ""})`;
}
