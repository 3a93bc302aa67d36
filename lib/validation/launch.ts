import { z } from "zod";

/** A variable name a process can receive: no `=`, no NUL, not empty. */
export const ENV_NAME = /^[^=\0]+$/;

export const launchRequestSchema = z.object({
  name: z
    .string({ error: "Name is required." })
    .trim()
    .min(1, "Name is required.")
    .max(200, "Name is longer than 200 characters.")
    .refine((v) => !v.includes("\0"), "Name must not contain NUL characters."),
  executable: z
    .string({ error: "Executable is required." })
    .trim()
    .min(1, "Executable is required.")
    .max(4096, "Executable path is longer than 4096 characters.")
    .refine((v) => !v.includes("\0"), "Executable must not contain NUL characters."),
  args: z
    .array(
      z
        .string()
        .max(65_536, "An argument is longer than 64 KiB.")
        .refine((v) => !v.includes("\0"), "Arguments must not contain NUL characters."),
      { error: "Arguments must be a list of strings." },
    )
    .max(4096, "More than 4096 arguments.")
    .default([]),
  env: z
    .record(
      z.string(),
      z
        .string()
        .max(131_072, "An environment value is longer than 128 KiB.")
        .refine((v) => !v.includes("\0"), "Environment values must not contain NUL characters."),
      { error: (issue) => (issue.code === "invalid_type" ? "Environment must be an object of strings." : undefined) },
    )
    .superRefine((env, ctx) => {
      const names = Object.keys(env);
      if (names.length > 4096) ctx.addIssue({ code: "custom", message: "More than 4096 environment variables." });
      const bad = names.find((name) => !ENV_NAME.test(name));
      if (bad !== undefined) {
        ctx.addIssue({
          code: "custom",
          message: `Environment variable names must be non-empty and contain no '=' or NUL (got "${bad.slice(0, 40)}").`,
        });
      }
    })
    .default({}),
  /** `merge`: over the launcher's own environment; `replace`: exactly these variables. */
  envMode: z.enum(["merge", "replace"]).default("merge"),
  cwd: z
    .string()
    .trim()
    .max(4096, "Working directory is longer than 4096 characters.")
    .refine((v) => !v.includes("\0"), "Working directory must not contain NUL characters.")
    .optional()
    .transform((v) => (v ? v : undefined)),
});

export type LaunchRequest = z.input<typeof launchRequestSchema>;
export type ValidLaunchRequest = z.output<typeof launchRequestSchema>;

/**
 * Parses `KEY=VALUE` lines (the CLI's --env, the form's textarea). Blank lines and lines
 * starting with `#` are skipped. Returns the variables or the problems, by line.
 */
export function parseEnvLines(lines: string[]): { env: Record<string, string>; errors: string[] } {
  const env: Record<string, string> = {};
  const errors: string[] = [];
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const eq = line.indexOf("=");
    const key = eq > 0 ? line.slice(0, eq).trim() : "";
    if (eq <= 0 || !ENV_NAME.test(key)) {
      errors.push(`Line ${index + 1}: expected KEY=VALUE, got "${line.slice(0, 60)}"`);
      return;
    }
    env[key] = line.slice(eq + 1);
  });
  return { env, errors };
}

/** Every message, by field (the first path segment; "form" for the whole), for forms and API errors. */
export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "form");
    (out[key] ??= []).push(issue.message);
  }
  return out;
}
