// Reproductions of how Python prints values inside an f-string, because the AYON
// launcher hashes `f"{name}{pid}{executable}{start_time}"` and our hashes must be
// byte-for-byte theirs.
import { looksLikeWindowsPath } from "../text/windows";

export { looksLikeWindowsPath };

/** Python's `str(float)` / `repr(float)`: shortest round-trip digits, always with a `.0` or exponent. */
export function pythonFloatStr(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";

  // toExponential() without an argument yields the shortest digits that round-trip,
  // the same digits Python's repr picks (both use the shortest-representation rule).
  const [mantissa = "", expText = "0"] = Math.abs(value).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exponent = Number(expText);
  const sign = value < 0 ? "-" : "";
  // Python's float_repr_style "short": position of the decimal point relative to digits.
  const decpt = exponent + 1;

  if (decpt <= -4 || decpt > 16) {
    const rest = digits.slice(1);
    const expSign = exponent < 0 ? "-" : "+";
    const expDigits = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${digits[0]}${rest ? "." + rest : ""}e${expSign}${expDigits}`;
  }
  if (decpt <= 0) {
    return `${sign}0.${"0".repeat(-decpt)}${digits}`;
  }
  if (decpt >= digits.length) {
    return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`;
  }
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/**
 * `str(pathlib.PurePosixPath(text))`: collapses repeated slashes (two leading slashes
 * are kept, as POSIX allows), drops `.` segments and a trailing slash; empty is `.`.
 */
export function pythonPosixPathStr(text: string): string {
  if (text === "") return ".";
  let root = "";
  if (text.startsWith("/")) {
    root = text.startsWith("//") && !text.startsWith("///") ? "//" : "/";
  }
  const parts = text.split("/").filter((part) => part !== "" && part !== ".");
  const joined = root + parts.join("/");
  return joined === "" ? "." : joined;
}

/**
 * `str(pathlib.PureWindowsPath(text))`: `/` becomes `\`, repeated separators collapse,
 * `.` segments and a trailing separator go; the drive (`C:`, `\\server\share`, `\\?\C:`)
 * and root are kept as written. `..` stays, as in Python.
 */
export function pythonWindowsPathStr(text: string): string {
  if (text === "") return ".";
  const s = text.replace(/\//g, "\\");
  let drive = "";
  let rest = s;
  // `\\server\share` (with `\\?\C:` and `\\.\device` read the same way) is a drive that
  // always has a root; a lone `\\server` is only a root and a name, as ntpath reads it.
  const unc = /^\\\\([^\\]+)\\([^\\]+)/.exec(s);
  if (unc) {
    drive = unc[0];
    rest = s.slice(drive.length);
    if (!rest.startsWith("\\")) rest = `\\${rest}`;
  } else if (/^[A-Za-z]:/.test(s)) {
    drive = s.slice(0, 2);
    rest = s.slice(2);
  }
  const root = rest.startsWith("\\") ? "\\" : "";
  const parts = rest.split("\\").filter((part) => part !== "" && part !== ".");
  const joined = drive + root + parts.join("\\");
  return joined === "" ? "." : joined;
}

/**
 * `str(Path(text))` on the system that wrote it: Windows rules for a Windows-shaped path, or
 * for any path on Windows (where AYON's `Path` is a `WindowsPath`); POSIX rules otherwise.
 */
export function pythonPathStr(text: string, platform: NodeJS.Platform = process.platform): string {
  return platform === "win32" || looksLikeWindowsPath(text) ? pythonWindowsPathStr(text) : pythonPosixPathStr(text);
}
