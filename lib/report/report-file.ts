import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MeshproofError } from '../errors/meshproof-error.ts';

/** The largest report file meshproof reads: far above any real report, far below the heap. */
export const maxReportBytes = 256 * 1024 * 1024;

/** "a FIFO", "a character device", …: what a path is when it is not what was expected. */
export function describeFileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFile()) return 'a file';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function unreadable(message: string, cause?: unknown): MeshproofError {
  return new MeshproofError('MESHPROOF_REPORT_UNREADABLE', message, cause ? { cause } : undefined);
}

/**
 * Reads a report: a regular file of at most {@link maxReportBytes}, or the first of `fileNames`
 * in a folder. The file is opened without blocking (a FIFO never blocks the read) and checked on
 * the open handle, so what is read is what was checked. `expected` ends every message.
 */
export async function readReportFile(
  path: string,
  fileNames: readonly string[],
  expected: string,
): Promise<{ readonly file: string; readonly text: string }> {
  let file = path;
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    if ((await stat(path)).isDirectory()) {
      const found = await firstFileIn(path, fileNames);
      if (!found) throw unreadable(`${path} is a folder without ${fileNames.join(' or ')}; ${expected}`);
      file = found;
    }
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const stats = await handle.stat();
    if (!stats.isFile())
      throw unreadable(`${file} is ${describeFileKind(stats)}, not a regular file; ${expected}`);
    if (stats.size > maxReportBytes) throw tooLarge(file, stats.size, expected);
    return { file, text: await readCapped(handle, file, expected) };
  } catch (error) {
    if (error instanceof MeshproofError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const reason = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`;
    throw unreadable(`${file} ${reason}; ${expected}`, error);
  } finally {
    await handle?.close();
  }
}

async function firstFileIn(dir: string, fileNames: readonly string[]): Promise<string | undefined> {
  for (const name of fileNames) {
    const file = join(dir, name);
    if (
      await stat(file).then(
        () => true,
        () => false,
      )
    )
      return file;
  }
  return undefined;
}

function tooLarge(file: string, bytes: number, expected: string): MeshproofError {
  const mib = (n: number) => `${Math.round(n / 1024 / 1024)} MiB`;
  return unreadable(
    `${file} is larger than ${mib(maxReportBytes)} (${mib(bytes)}), too large for a report; ${expected}`,
  );
}

/** Reads to the end, refusing a file that grows beyond the limit while it is read. */
async function readCapped(
  handle: Awaited<ReturnType<typeof open>>,
  file: string,
  expected: string,
): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(1024 * 1024);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > maxReportBytes) throw tooLarge(file, total, expected);
    chunks.push(chunk.subarray(0, bytesRead));
  }
  return Buffer.concat(chunks).toString('utf8');
}
