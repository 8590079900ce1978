// A port already taken must fail before anything is started, with a message that names it.
import net from 'node:net';

/** Resolves when 127.0.0.1:port and 0.0.0.0:port can be bound right now; otherwise rejects clearly. */
export async function ensurePortFree(port: number): Promise<void> {
  // Docker publishes on 0.0.0.0 and the native service may bind either: both must be free.
  for (const host of ['127.0.0.1', '0.0.0.0']) {
    await new Promise<void>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(new Error(err.code === 'EADDRINUSE' ? `port ${port} is already taken (${host}:${port} in use)` : `port ${port}: ${err.message}`));
      });
      server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
    });
  }
}

/**
 * A port that was free a moment ago on every interface (bind 0.0.0.0:0, read it, close): free for a
 * 127.0.0.1 listener and for a Docker published port alike. The replica behind a --front control takes one.
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
