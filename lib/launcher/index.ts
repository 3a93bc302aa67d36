export { launch, relaunch, type Launched, type LaunchOptions, type ExitInfo } from "./launch";
export { stopProcess, DEFAULT_GRACE_MS, type StopOptions, type StopResult } from "./stop";
export { LaunchError, type LaunchErrorCode } from "./errors";
