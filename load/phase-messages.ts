// What the experiment and a phase's load generator process say to each other over the IPC channel
// (load/phase-process.ts forks load/phase-child.ts). One plan in, progress counts and one result out.
import type { LoadPlan } from './run.js';
import type { LoadSummary } from './stats.js';

/** Parent → child: run this phase, appending its rows to `csv`; stop it now; or finish it (send nothing new, let requests in flight answer). */
export type ToChild =
  | { readonly type: 'run'; readonly plan: LoadPlan; readonly csv: string; readonly progressMs: number }
  | { readonly type: 'stop' }
  | { readonly type: 'finish' };

/** Child → parent: requests finished so far; the phase's result; or why it could not run. */
export type FromChild =
  | { readonly type: 'progress'; readonly done: number; readonly failed: number }
  | { readonly type: 'result'; readonly summary: LoadSummary; readonly startMs: number; readonly endMs: number; readonly rows: number }
  | { readonly type: 'error'; readonly message: string };
