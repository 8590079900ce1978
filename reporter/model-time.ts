// Model time per request: what the service's CSV says its model spent on each request (the Inference
// Latency column is the model time of the request's batch; a batch's time is shared by its requests).
// Read in the sequential phase when the run has one: one request at a time, so no batching and no
// queueing for the CPU behind other requests — the model's own work for one request, the run's work level
// (~1 ms for short reviews on the q8 model, ~100 ms for long reviews on fp32, 2-vCPU VM). Under
// concurrency the per-request share depends on how each deployment batches (swarm ×3 batches less), so
// it would mix the deployment into the work level.
import type Database from 'better-sqlite3';
import { isMeasuredPhase, SEQUENTIAL_PHASE } from '../contracts/deployments.js';
import type { ReportRun } from './selection.js';

/** Mean of latency_ms ÷ batch size over the run's sequential phase (else its measured phases); undefined without rows. */
export function modelMsPerRequest(db: Database.Database, run: ReportRun): number | undefined {
  const measured = [...new Set(run.phases.map((p) => p.name).filter(isMeasuredPhase))];
  const phases = measured.includes(SEQUENTIAL_PHASE) ? [SEQUENTIAL_PHASE] : measured;
  if (phases.length === 0) return undefined;
  const mean = db
    .prepare(`SELECT AVG(latency_ms / MAX(COALESCE(batch_size, 1), 1)) FROM service_requests
              WHERE label = ? AND phase IN (${phases.map(() => '?').join(', ')})`)
    .pluck()
    .get(run.label, ...phases) as number | null;
  return mean ?? undefined;
}
