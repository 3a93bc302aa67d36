import { z } from "zod";

/**
 * A whole number written in plain decimal digits ("0x10", "1e3", " 7", "1.0" are refused),
 * within [min, max].
 */
export function decimalInt(min = 0, max = Number.MAX_SAFE_INTEGER) {
  return z
    .string()
    .regex(/^-?\d{1,16}$/, "must be a whole number in decimal digits")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}
