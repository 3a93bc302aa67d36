// How a launch becomes one Windows command line. Windows passes a program a single string,
// which the program splits itself; nearly all split it as CommandLineToArgvW does, so that
// is the quoting used. Batch files are run by cmd.exe, which reads the line with its own
// rules (`&`, `|`, `%VAR%`, `^`...): their arguments are escaped for cmd (the "BatBadBut"
// class, CVE-2024-24576 / CVE-2024-27980) as Rust's standard library does, except `%`, which
// is refused: cmd expands `%NAME%` before anything else, and the one escape known for it
// (Rust's `%%cd:~,%`) is not read the same by every cmd (Wine's rescans a batch's `%*`).
import path from "node:path";
import { LaunchError } from "../errors";
import { quoteWindowsArgument, quoteWindowsProgram } from "../../text/windows";

/** A program's path as it may stand on a command line: never with a `"`, which no Windows path holds. */
function checkProgram(program: string): string {
  if (program.includes('"')) throw new LaunchError("INVALID", `A Windows path cannot contain '"': ${program}`, "executable");
  return program;
}

export function isBatchFile(executable: string): boolean {
  return /\.(bat|cmd)$/i.test(executable);
}

/** ASCII that cmd.exe reads as itself, outside quotes. */
const SAFE_UNQUOTED = /^[A-Za-z0-9#$*+\-./:?@\\_]$/;

/** One argument of a batch file, as cmd.exe reads it (after Rust's `append_bat_arg`). */
export function quoteBatchArgument(arg: string): string {
  if (/[\r\n]/.test(arg)) {
    throw new LaunchError(
      "INVALID",
      "An argument of a batch file (.bat, .cmd) cannot hold a line break: cmd.exe would end the command there. Run the program itself rather than its batch file.",
      "args",
    );
  }
  if (arg.includes("%")) {
    throw new LaunchError(
      "INVALID",
      "An argument of a batch file (.bat, .cmd) cannot hold '%': cmd.exe would expand %NAME% in it, and no escape for it is reliable. Run the program itself rather than its batch file, or pass the value in an environment variable.",
      "args",
    );
  }
  let quote = arg === "" || arg.endsWith("\\");
  for (const ch of arg) {
    const code = ch.codePointAt(0) ?? 0;
    if ((code < 128 && !SAFE_UNQUOTED.test(ch)) || code < 32 || (code >= 0x7f && code < 0xa0)) quote = true;
  }
  let out = quote ? '"' : "";
  let backslashes = 0;
  for (const ch of arg) {
    if (ch === "\\") {
      backslashes++;
      out += ch;
      continue;
    }
    // A quote is doubled (cmd's own escape) after doubling the backslashes before it.
    if (ch === '"') out += `${"\\".repeat(backslashes)}"`;
    out += ch;
    backslashes = 0;
  }
  return quote ? `${out}${"\\".repeat(backslashes)}"` : out;
}

export interface WindowsCommand {
  /** What CreateProcessW runs (its first argument): never searched again by Windows. */
  application: string;
  commandLine: string;
}

/**
 * The command line of a launch. A batch file runs through cmd.exe (`/d`: no AutoRun;
 * `/e:ON /v:OFF`: command extensions as Windows ships them, and `!` literal; `/s /c "..."`: the
 * line as given).
 */
export function windowsCommand(executable: string, args: string[], comSpec: string): WindowsCommand {
  if (isBatchFile(executable)) {
    if (executable.endsWith("\\")) throw new LaunchError("INVALID", `Not a batch file path: ${executable}`, "executable");
    const line = [`"${checkProgram(executable)}"`, ...args.map(quoteBatchArgument)].join(" ");
    return {
      application: comSpec,
      commandLine: `${quoteWindowsProgram(checkProgram(path.win32.basename(comSpec)))} /e:ON /v:OFF /d /s /c "${line}"`,
    };
  }
  return {
    application: executable,
    commandLine: [quoteWindowsProgram(checkProgram(executable)), ...args.map(quoteWindowsArgument)].join(" "),
  };
}

/**
 * The environment block CreateProcessW takes: `NAME=value` strings sorted by name without
 * regard to case (as Windows keeps them), one NUL after each, a second at the end. Windows'
 * names ignore case, so of `Path` and `PATH` the one given last (a launch's own) is kept.
 */
export function environmentBlock(env: Record<string, string>): Buffer {
  const byName = new Map<string, [string, string]>();
  for (const [name, value] of Object.entries(env)) {
    // Names may begin with `=` (cmd's per-drive folders, `=C:`), never hold one after.
    if (name === "" || name.slice(1).includes("=") || name.includes("\0")) continue;
    byName.delete(name.toUpperCase());
    byName.set(name.toUpperCase(), [name, value]);
  }
  const names = [...byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const text = names.map((key) => `${byName.get(key)![0]}=${byName.get(key)![1].replace(/\0/g, "")}\0`).join("");
  return Buffer.from(`${text || "\0"}\0`, "utf16le");
}

/** A variable of a Windows environment, whatever the case of its name (`Path`, `PATH`). */
export function windowsVariable(env: Record<string, string | undefined>, name: string): string | undefined {
  const wanted = name.toUpperCase();
  let found: string | undefined;
  for (const [key, value] of Object.entries(env)) if (key.toUpperCase() === wanted) found = value;
  return found;
}
