// Prints checkLiveness for argv pid/executable/start, so a test can run the probe as
// another (unprivileged) user.
import { ProcessSnapshot } from "../../lib/system/snapshot";
import { checkLiveness } from "../../lib/system/probe";

const [pid, executable, start] = process.argv.slice(2);
const snapshot = await ProcessSnapshot.take();
process.stdout.write(checkLiveness(snapshot, Number(pid), executable ?? null, start ? Number(start) : null));
