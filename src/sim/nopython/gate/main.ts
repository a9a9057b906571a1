import { readFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { bindFailure, hostAddress } from '../container-net.js';
import type { Io } from '../interpreter.js';
import { localStamp } from '../monailabel/log.js';
import { CHUNK } from './http1.js';
import { Gate, type GateFile } from './gate.js';
import { ALWAYS_BLOCKED } from './rules.js';

/**
 * `python gate.py CONFIG.json` on a pod whose python is the no-Python stand-in: gate.py's main()
 * in Node (./gate.ts mirrors its Gate class). Same start-up and log lines, same exit statuses.
 *
 * The sha256 of the src/monai/gate.py this mirrors: the interpreter runs this only for that exact
 * file, so a change to gate.py fails loudly (test/sim/nopython.test.ts, and the pod tests without
 * Python) until this folder is brought in step and the digest updated. test/monai/gate.test.ts
 * holds both gates to the same suite.
 */
export const MIRRORED_GATE_SHA256 = 'c573549ca5816c70711fd05644655543aa862e1d5e16cd7626756c7530d93b47';

export async function gateMain(args: readonly string[], io: Io): Promise<number> {
  const log = (message: string) => io.out(`[${localStamp()}] ${message}\n`);
  if (args.length !== 1) {
    io.err('usage: gate.py CONFIG.json\n');
    return 2;
  }
  let config: GateFile;
  try {
    config = JSON.parse(await readFile(args[0]!, 'utf8')) as GateFile;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') {
      log(`cannot listen: [Errno ${code === 'ENOENT' ? 2 : 13}] ${code === 'ENOENT' ? 'No such file or directory' : 'Permission denied'}: '${args[0]}'`);
      return 1;
    }
    throw error;
  }
  const gate = new Gate(config);
  const [host, port] = config.listen;
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true, noDelay: true, highWaterMark: 4 * CHUNK }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    void gate.serve(socket);
  });
  const address = hostAddress({ host, port });
  const failed = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    server.once('error', resolve);
    server.listen(address.port, address.host, () => resolve(null));
  });
  if (failed) {
    log(`cannot listen: ${bindFailure(failed, host, port)}`);
    return 1;
  }
  const stopped = new Promise<void>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve());
  });
  const rules = [...ALWAYS_BLOCKED, ...(config.blocked ?? [])].join(', ');
  log(`listening on ${host}:${port}, forwarding the secret path to ${gate.upstream.host}:${gate.upstream.port}; blocked: ${rules}`);
  const reporter = gate.report(log);
  await stopped;
  clearInterval(reporter);
  server.close();
  // asyncio.run ends the connections' tasks as gate.py's main() returns.
  for (const socket of sockets) socket.destroy();
  log('stopped');
  return 0;
}
