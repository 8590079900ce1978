// Model time per request: what the service's CSV says its model spent on each request (the Inference
// Latency column is the model time of the request's batch; a batch's time is shared by its requests),
// averaged over a run's measured phases. It is the run's work level in milliseconds: ~1 ms for short
// reviews on the q8 model, ~100 ms for long reviews on fp32 on a 2-vCPU VM.
import type Database from 'better-sqlite3';
import { isMeasuredPhase } from '../contracts/deployments.js';
import type { ReportRun } from './selection.js';

/** Mean of latency_ms ÷ batch size over the run's service rows in measured phases; undefined without rows. */
export function modelMsPerRequest(db: Database.Database, run: ReportRun): number | undefined {
  const phases = [...new Set(run.phases.map((p) => p.name).filter(isMeasuredPhase))];
  if (phases.length === 0) return undefined;
  const mean = db
    .prepare(`SELECT AVG(latency_ms / MAX(COALESCE(batch_size, 1), 1)) FROM service_requests
              WHERE label = ? AND phase IN (${phases.map(() => '?').join(', ')})`)
    .pluck()
    .get(run.label, ...phases) as number | null;
  return mean ?? undefined;
}
