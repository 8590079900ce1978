// Docker's userland proxy (docker-proxy) as its command line shows it, one process per published
// address: `/usr/bin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 5000 -container-ip 172.17.0.2
// -container-port 5000`. The deploy drivers read it to say whether a port goes through the proxy, the
// collector to sample the proxies of a run's published ports. Pure.

/** The value of a Go flag (`-name v`, `--name v`, `-name=v`), or undefined. */
function flagValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(argv[i]!);
    if (m?.[1] === name) return m[2] ?? argv[i + 1];
  }
  return undefined;
}

/** The host address a docker-proxy listens on, or undefined when argv is not a docker-proxy's. */
export function dockerProxyListen(argv: readonly string[]): { hostIp: string; hostPort: number } | undefined {
  if (!argv[0]?.endsWith('docker-proxy')) return undefined;
  const port = Number(flagValue(argv, 'host-port'));
  return Number.isInteger(port) && port > 0 ? { hostIp: flagValue(argv, 'host-ip') ?? '', hostPort: port } : undefined;
}
