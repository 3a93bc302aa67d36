/** What a viewer (PROCESS_MONITOR_VIEWER_TOKEN) is told when it tries a change. */
export const VIEWER_REFUSAL =
  "Read-only access: this viewer token cannot stop, launch, relaunch or delete. Log in with the operator's token.";
