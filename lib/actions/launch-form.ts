// The launch form's fields read and checked once, for a launch here (launchAction) and one on a
// workstation through the hub (fleetLaunchAction).
import { fieldErrors, launchRequestSchema, parseEnvLines, type ValidLaunchRequest } from "../validation/launch";

export type LaunchFormField = "name" | "executable" | "args" | "env" | "cwd" | "host";

export interface LaunchFormState {
  errors?: Partial<Record<LaunchFormField | "form", string[]>>;
  message?: string;
  values?: Partial<Record<LaunchFormField, string>>;
}

export function formText(form: FormData, key: string, max = 1_000_000): string {
  const value = form.get(key);
  return typeof value === "string" ? value.slice(0, max) : "";
}

/** The request the form describes (arguments one per line, environment as KEY=VALUE lines), or its errors by field. */
export function parseLaunchForm(
  form: FormData,
): { request: ValidLaunchRequest; values: NonNullable<LaunchFormState["values"]> } | Required<Pick<LaunchFormState, "errors" | "values">> {
  const values = {
    name: formText(form, "name"),
    executable: formText(form, "executable"),
    args: formText(form, "args"),
    env: formText(form, "env"),
    cwd: formText(form, "cwd"),
    host: formText(form, "host", 255),
  };
  const env = parseEnvLines(values.env.split("\n"));
  if (env.errors.length) return { errors: { env: env.errors }, values };
  const args = values.args
    .split("\n")
    .map((line) => line.replace(/\r$/, ""))
    .filter((line) => line !== "");
  const parsed = launchRequestSchema.safeParse({ name: values.name, executable: values.executable, args, env: env.env, cwd: values.cwd });
  if (!parsed.success) return { errors: fieldErrors(parsed.error), values };
  return { request: parsed.data, values };
}
