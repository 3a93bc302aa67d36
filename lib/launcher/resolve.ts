import fs from "node:fs";
import path from "node:path";
import { LaunchError } from "./errors";

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Checks the working directory; returns its absolute path. */
export function resolveCwd(cwd: string | undefined, base: string): string {
  const absolute = path.resolve(base, cwd ?? ".");
  const stat = statOrNull(absolute);
  if (!stat) throw new LaunchError("CWD_NOT_FOUND", `Working directory ${absolute} does not exist.`, "cwd");
  if (!stat.isDirectory()) throw new LaunchError("CWD_NOT_FOUND", `Working directory ${absolute} is not a directory.`, "cwd");
  return absolute;
}

/**
 * The absolute path of what will run: a path (with a slash) relative to the working
 * directory, or a bare command searched in the child's PATH, as a shell would.
 * Recording the absolute path lets AYON's running check match it against argv[0].
 */
export function resolveExecutable(executable: string, cwd: string, pathVar: string | undefined, pathExt?: string): string {
  if (process.platform === "win32") return resolveWindowsExecutable(executable, cwd, pathVar, pathExt);
  if (executable.includes("/")) {
    const absolute = path.resolve(cwd, executable);
    const stat = statOrNull(absolute);
    if (!stat) throw new LaunchError("EXECUTABLE_NOT_FOUND", `Executable ${absolute} does not exist.`, "executable");
    if (stat.isDirectory()) throw new LaunchError("IS_DIRECTORY", `${absolute} is a directory, not an executable.`, "executable");
    if (!isExecutable(absolute)) {
      throw new LaunchError("NOT_EXECUTABLE", `${absolute} is not executable (check its permissions).`, "executable");
    }
    return absolute;
  }
  let sawNonExecutable: string | null = null;
  for (const dir of (pathVar ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.resolve(cwd, dir, executable);
    const stat = statOrNull(candidate);
    if (!stat || stat.isDirectory()) continue;
    if (isExecutable(candidate)) return candidate;
    sawNonExecutable ??= candidate;
  }
  if (sawNonExecutable) {
    throw new LaunchError("NOT_EXECUTABLE", `${sawNonExecutable} is not executable (check its permissions).`, "executable");
  }
  throw new LaunchError("EXECUTABLE_NOT_FOUND", `Command "${executable}" was not found in PATH.`, "executable");
}

const DEFAULT_PATHEXT = ".COM;.EXE;.BAT;.CMD";
/** What CreateProcessW starts itself (.exe, .com) or through cmd.exe (.bat, .cmd). */
const STARTABLE = /\.(exe|com|bat|cmd)$/i;

function isFile(p: string): boolean {
  return statOrNull(p)?.isFile() ?? false;
}

/**
 * Windows: a path (with `\`, `/` or a drive) from the working directory, or a bare name
 * searched in PATH (not the working directory first, as cmd.exe would: a program dropped in
 * a project folder must not shadow a tool). A name without an extension is tried with each
 * of PATHEXT's, in order, as cmd.exe does.
 */
function resolveWindowsExecutable(executable: string, cwd: string, pathVar: string | undefined, pathExt: string | undefined): string {
  const win = path.win32;
  const extensions = (pathExt || DEFAULT_PATHEXT).split(";").filter((ext) => /^\.[^.\\/]+$/.test(ext));
  const known = (base: string) => extensions.some((ext) => ext.toLowerCase() === win.extname(base).toLowerCase());
  const candidates = (base: string) => (known(base) ? [base] : extensions.map((ext) => base + ext.toLowerCase()));
  const pick = (base: string): string | null => {
    for (const candidate of candidates(base)) if (isFile(candidate)) return candidate;
    if (isFile(base)) return base;
    return null;
  };
  const check = (found: string): string => {
    if (!STARTABLE.test(found)) {
      throw new LaunchError(
        "NOT_EXECUTABLE",
        `${found} is not a program Windows starts (.exe, .com, or .bat/.cmd through cmd.exe). Run it with its interpreter, e.g. python.exe ${win.basename(found)}.`,
        "executable",
      );
    }
    return found;
  };
  if (/[\\/]/.test(executable) || /^[A-Za-z]:/.test(executable)) {
    const absolute = win.resolve(cwd, executable);
    const stat = statOrNull(absolute);
    if (stat?.isDirectory()) throw new LaunchError("IS_DIRECTORY", `${absolute} is a directory, not an executable.`, "executable");
    const found = pick(absolute);
    if (!found) throw new LaunchError("EXECUTABLE_NOT_FOUND", `Executable ${absolute} does not exist.`, "executable");
    return check(found);
  }
  for (const dir of (pathVar ?? "").split(";")) {
    if (!dir.trim()) continue;
    const found = pick(win.resolve(cwd, dir.replace(/^"(.*)"$/, "$1"), executable));
    if (found) return check(found);
  }
  throw new LaunchError("EXECUTABLE_NOT_FOUND", `Command "${executable}" was not found in PATH.`, "executable");
}
