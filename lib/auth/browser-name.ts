import Bowser from "bowser";

/** A session's user-agent as people name a browser: "Chrome 131 on Linux", "Firefox 133 on Windows 10"; the raw string when it says nothing known. */
export function browserName(userAgent: string | null): string {
  if (!userAgent) return "unknown";
  const { browser, os } = Bowser.parse(userAgent);
  if (!browser.name) return userAgent.slice(0, 120);
  const version = browser.version?.split(".")[0];
  const system = [os.name, os.versionName ?? ""].filter(Boolean).join(" ");
  return `${browser.name}${version ? ` ${version}` : ""}${system ? ` on ${system}` : ""}`;
}
