/**
 * A simulated pod's network for the no-Python stand-ins, as src/sim/container-net/sitecustomize.py
 * is for Python processes: a bind or connect to a container port named by SIMPOD_PORT_<port> goes
 * to that host port on loopback; any other address is left as it is.
 */
export interface Address {
  host: string;
  port: number;
}

export function hostAddress(address: Address, env: NodeJS.ProcessEnv = process.env): Address {
  const mapped = env[`SIMPOD_PORT_${address.port}`];
  return mapped !== undefined && /^\d+$/.test(mapped) ? { host: '127.0.0.1', port: Number(mapped) } : address;
}

/** What Python's asyncio (and so uvicorn) says when a bind fails: "[Errno 98] error while attempting to bind on address ('0.0.0.0', 8000): address already in use". */
export function bindFailure(error: NodeJS.ErrnoException, host: string, port: number): string {
  const known: Record<string, [number, string]> = {
    EADDRINUSE: [98, 'address already in use'],
    EACCES: [13, 'permission denied'],
    EADDRNOTAVAIL: [99, 'cannot assign requested address'],
  };
  const [errno, reason] = known[error.code ?? ''] ?? [99, error.message.toLowerCase()];
  return `[Errno ${errno}] error while attempting to bind on address ('${host}', ${port}): ${reason}`;
}
