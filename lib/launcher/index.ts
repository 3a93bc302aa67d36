export { launch, relaunch, type Launched, type LaunchOptions, type ExitInfo } from "./launch";
export { stopProcess, type StopOptions, type StopResult } from "./stop";
export { LaunchError, type LaunchErrorCode } from "./errors";
