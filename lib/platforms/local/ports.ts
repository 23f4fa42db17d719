import { createServer } from 'node:net';
import { MeshproofError } from '../../errors/meshproof-error.ts';

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * Hands out ports on 127.0.0.1: from the operating system by default (portable to macOS), or
 * consecutively from a base port the user chose, refusing any that is taken.
 */
export class PortAllocator {
  readonly #basePort: number | undefined;
  #next: number;
  readonly #given = new Set<number>();

  constructor(basePort?: number) {
    this.#basePort = basePort;
    this.#next = basePort ?? 0;
  }

  async allocate(purpose: string): Promise<number> {
    if (this.#basePort === undefined) {
      for (;;) {
        const port = await listenOnce(0);
        if (!this.#given.has(port)) {
          this.#given.add(port);
          return port;
        }
      }
    }
    const port = this.#next++;
    try {
      await listenOnce(port);
    } catch (cause) {
      throw new MeshproofError(
        'MESHPROOF_PORT_IN_USE',
        `port ${port} on 127.0.0.1 (for ${purpose}) is already taken; choose another --base-port or omit it to use free ports`,
        { cause },
      );
    }
    this.#given.add(port);
    return port;
  }
}
