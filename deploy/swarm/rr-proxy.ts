// Front proxy for Docker Swarm where the routing mesh cannot work (kernel without IPVS): the app runs
// with --endpoint-mode dnsrr and this proxy, published in host mode, spreads traffic over the addresses
// of `tasks.<service>` (Docker's embedded DNS), re-resolved every REFRESH_MS.
//
// No dependencies (node: built-ins only) so its image is the base image plus this one file.
// MODE=http (default) balances every request: keep-alive clients (the load generator, curl loops over one
// connection) would otherwise pin all their requests to one replica. MODE=tcp balances connections,
// which is what the routing mesh does.
// Env: LISTEN_PORT=8080 BACKEND=tasks.llm-inference-service BACKEND_PORT=5000 REFRESH_MS=1000 MODE=http
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import net from 'node:net';
import { pathToFileURL } from 'node:url';

/** Round-robin choice over a changing backend list; skips addresses already tried for this request. */
export class RoundRobin {
  private list: string[] = [];
  private next = 0;

  /** Replaces the list; returns true when it changed. */
  update(addresses: readonly string[]): boolean {
    const sorted = [...new Set(addresses)].sort();
    const changed = sorted.join() !== this.list.join();
    this.list = sorted;
    return changed;
  }

  get backends(): readonly string[] {
    return this.list;
  }

  pick(exclude: ReadonlySet<string> = new Set()): string | undefined {
    for (let i = 0; i < this.list.length; i++) {
      const candidate = this.list[this.next % this.list.length]!;
      this.next = (this.next + 1) % this.list.length;
      if (!exclude.has(candidate)) return candidate;
    }
    return undefined;
  }
}

// Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export function forwardedHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(key)) out[key] = value;
  return out;
}

export interface ProxyOptions {
  readonly listenPort: number;
  readonly listenHost?: string;
  readonly backendPort: number;
  readonly mode: 'http' | 'tcp';
  /** Current backend addresses (DNS lookup in production, a fixed list in tests). */
  readonly resolve: () => Promise<string[]>;
  readonly refreshMs: number;
  readonly connectTimeoutMs?: number;
  readonly log?: (message: string) => void;
}

export interface RunningProxy {
  readonly port: number;
  readonly balancer: RoundRobin;
  close(): Promise<void>;
}

export async function startProxy(o: ProxyOptions): Promise<RunningProxy> {
  const log = o.log ?? (() => undefined);
  const balancer = new RoundRobin();
  const connectTimeoutMs = o.connectTimeoutMs ?? 2000;
  const refresh = async (): Promise<void> => {
    let addresses: string[] = [];
    try {
      addresses = await o.resolve();
    } catch (err) {
      addresses = []; // no task running right now (NXDOMAIN): nothing to send to
      if (balancer.backends.length > 0) log(`resolve failed (${(err as NodeJS.ErrnoException).code ?? String(err)}); no backends`);
    }
    if (balancer.update(addresses)) log(`backends: [${balancer.backends.join(', ')}]`);
  };
  await refresh();
  const timer = setInterval(() => void refresh(), o.refreshMs);
  timer.unref();

  const server = o.mode === 'tcp' ? tcpServer(balancer, o.backendPort, connectTimeoutMs) : httpServer(balancer, o.backendPort, connectTimeoutMs);
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(o.listenPort, o.listenHost ?? '0.0.0.0', () => ok());
  });
  const port = (server.address() as net.AddressInfo).port;
  log(`rr-proxy (${o.mode}) :${port} -> backends port ${o.backendPort}`);
  return {
    port,
    balancer,
    close: () =>
      new Promise<void>((ok) => {
        clearInterval(timer);
        server.close(() => ok());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}

function httpServer(balancer: RoundRobin, backendPort: number, connectTimeoutMs: number): http.Server {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413, { 'content-type': 'text/plain' }).end('request body too large for the front proxy\n');
        req.destroy();
      } else chunks.push(chunk);
    });
    // The body is buffered so that a backend that refuses the connection can be skipped safely.
    req.on('end', () => send(Buffer.concat(chunks), new Set()));

    function send(body: Buffer, tried: Set<string>): void {
      const host = balancer.pick(tried);
      if (host === undefined) {
        res.writeHead(502, { 'content-type': 'text/plain' }).end(tried.size ? 'every backend failed\n' : 'no backend available\n');
        return;
      }
      tried.add(host);
      const headers = { ...forwardedHeaders(req.headers), 'content-length': String(body.length) };
      const upstream = http.request({ host, port: backendPort, method: req.method, path: req.url, headers, agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, forwardedHeaders(answer.headers));
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      });
      upstream.setTimeout(connectTimeoutMs, () => {
        if (!upstream.socket?.connecting) upstream.setTimeout(0); // connected: the service may think as long as it needs
        else upstream.destroy(new Error('connect timeout'));
      });
      upstream.on('error', () => {
        // Nothing sent to the client yet: try the next backend (a stopped replica, a stale kept-alive socket).
        if (!res.headersSent) send(body, tried);
        else res.destroy();
      });
      upstream.end(body);
    }
  });
}

function tcpServer(balancer: RoundRobin, backendPort: number, connectTimeoutMs: number): net.Server {
  const connect = (client: net.Socket, tried: Set<string>): void => {
    const host = balancer.pick(tried);
    if (host === undefined) return void client.destroy();
    tried.add(host);
    let connected = false;
    const upstream = net.connect({ host, port: backendPort });
    upstream.setTimeout(connectTimeoutMs, () => upstream.destroy(new Error('connect timeout')));
    const dropUpstream = (): void => void upstream.destroy();
    client.once('close', dropUpstream);
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
      client.on('error', dropUpstream);
      upstream.once('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      if (connected) return void client.destroy();
      client.removeListener('close', dropUpstream);
      if (!client.destroyed) connect(client, tried);
    });
  };
  return net.createServer({ pauseOnConnect: true }, (client) => connect(client, new Set()));
}

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`rr-proxy: bad ${name}: ${raw}`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const backend = process.env.BACKEND || 'tasks.llm-inference-service';
  const mode = process.env.MODE || 'http';
  if (mode !== 'http' && mode !== 'tcp') {
    console.error(`rr-proxy: bad MODE: ${mode} (http or tcp)`);
    process.exit(2);
  }
  const proxy = await startProxy({
    listenPort: envNumber('LISTEN_PORT', 8080),
    backendPort: envNumber('BACKEND_PORT', 5000),
    refreshMs: envNumber('REFRESH_MS', 1000),
    mode,
    resolve: async () => (await lookup(backend, { all: true, family: 4 })).map((a) => a.address),
    log: (m) => console.log(`${new Date().toISOString()} ${m}`),
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void proxy.close().then(() => process.exit(0)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    // Not common/error-text: this file runs alone in its image, with node built-ins only.
    console.error(`rr-proxy: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
