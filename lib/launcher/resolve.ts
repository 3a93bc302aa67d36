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
export function resolveExecutable(executable: string, cwd: string, pathVar: string | undefined): string {
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
