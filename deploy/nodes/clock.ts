// A node's clock against this host's, read through the node's Docker Engine API (`GET /info` →
// `SystemTime`): the engine the experiment already talks to, so the same reading works for a remote host's
// engine. Each exchange is bracketed by host time stamps (clock-offset.ts); the tightest of a few counts.
import http from 'node:http';
import { parseEngineTime, tightestOffset, type ClockExchange, type ClockOffset } from './clock-offset.js';

const EXCHANGES = 5;
const TIMEOUT_MS = 10_000;

/** `unix:///path/docker.sock` → `/path/docker.sock`; other DOCKER_HOST forms are refused by name. */
export function socketPathOf(dockerHost: string): string {
  if (!dockerHost.startsWith('unix://')) throw new Error(`clock reading needs a unix socket DOCKER_HOST, got ${JSON.stringify(dockerHost)}`);
  return dockerHost.slice('unix://'.length);
}

function engineTime(socketPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path: '/info', timeout: TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        try {
          if (res.statusCode !== 200) throw new Error(`GET /info on ${socketPath}: HTTP ${res.statusCode}`);
          resolve(String((JSON.parse(body) as { SystemTime?: unknown }).SystemTime ?? ''));
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET /info on ${socketPath}: no answer in ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
  });
}

/** The node engine's clock offset against Date.now(), from the tightest of a few exchanges, one at a time. */
export async function readClockOffset(dockerHost: string): Promise<ClockOffset> {
  const socketPath = socketPathOf(dockerHost);
  const exchanges: ClockExchange[] = [];
  for (let i = 0; i < EXCHANGES; i++) {
    const beforeMs = Date.now();
    const text = await engineTime(socketPath);
    const afterMs = Date.now();
    exchanges.push({ beforeMs, nodeMs: parseEngineTime(text), afterMs });
  }
  return tightestOffset(exchanges);
}
