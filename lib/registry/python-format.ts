// Reproductions of how Python prints values inside an f-string, because the AYON
// launcher hashes `f"{name}{pid}{executable}{start_time}"` and our hashes must be
// byte-for-byte theirs.

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
