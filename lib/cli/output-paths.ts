import { randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, open, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { type ErrorCode, MeshproofError } from '../errors/meshproof-error.ts';
import { cliTimeouts } from '../model/index.ts';
import { describeFileKind } from '../report/report-file.ts';

/**
 * Where a command writes, checked before anything starts: the output folder and TMPDIR. Every
 * problem is one coded line; every check has a deadline, so a hung mount cannot hang the CLI.
 */

/** Kernel file systems: recursive mkdir under /proc loops forever, and nothing there is a folder for files. */
const kernelFileSystems = ['/proc', '/sys', '/dev'] as const;

function problem(code: ErrorCode, message: string, cause?: unknown): MeshproofError {
  return new MeshproofError(code, message, cause ? { cause } : undefined);
}

/** Runs a file-system check, failing with a coded error when it does not answer in time. */
async function withDeadline<T>(work: () => Promise<T>, onTimeout: () => MeshproofError): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), cliTimeouts.fileSystemCheckMs);
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The path with its deepest existing part resolved through symbolic links. */
async function resolvedThroughLinks(path: string): Promise<{ existing: string; real: string }> {
  let existing = path;
  for (;;) {
    try {
      const real = await realpath(existing);
      return { existing, real: join(real, relative(existing, path)) };
    } catch {
      const parent = dirname(existing);
      if (parent === existing) return { existing, real: path };
      existing = parent;
    }
  }
}

function kernelFileSystemOf(real: string): string | undefined {
  return kernelFileSystems.find((root) => real === root || real.startsWith(`${root}/`));
}

/** Creates and removes a file in `dir`: the only honest test that it is writable (root, ACLs, read-only mounts). */
async function probeWritable(dir: string): Promise<void> {
  const probe = join(dir, `.meshproof-write-check-${randomBytes(4).toString('hex')}`);
  const handle = await open(probe, 'wx', 0o600);
  await handle.close();
  await rm(probe, { force: true });
}

const errnoCode = (error: unknown) => (error as NodeJS.ErrnoException).code ?? 'error';

/**
 * Checks (and creates) the folder a command writes into: it must not be under /proc, /sys or
 * /dev, every existing part of it must be a folder, and it must be writable. `links` are the
 * names of the links meshproof keeps in it (`latest`): each must be a link or absent, never a
 * folder or file a user put there. Returns the absolute path.
 */
export async function prepareOutputFolder(
  path: string,
  { flag = '--output', links = [] }: { readonly flag?: string; readonly links?: readonly string[] } = {},
): Promise<string> {
  const target = resolve(path);
  const unusable = (what: string, cause?: unknown) =>
    problem('MESHPROOF_OUTPUT_UNUSABLE', `${flag} ${path}: ${what}`, cause);
  return withDeadline(
    async () => {
      const { existing, real } = await resolvedThroughLinks(target);
      const kernel = kernelFileSystemOf(real);
      if (kernel)
        throw unusable(`${real} is under ${kernel}, a kernel file system; choose a folder such as ./reports`);
      const stats = await stat(existing);
      if (!stats.isDirectory()) {
        throw unusable(
          `${existing} is ${describeFileKind(stats)}, not a folder; choose a folder such as ./reports`,
        );
      }
      try {
        await mkdir(target, { recursive: true });
        await probeWritable(target);
      } catch (error) {
        throw unusable(
          `cannot create or write files in ${target} (${errnoCode(error)}); choose a writable folder`,
          error,
        );
      }
      for (const name of links) {
        const link = join(target, name);
        const found = await lstat(link).catch(() => undefined);
        if (found && !found.isSymbolicLink()) {
          throw unusable(
            `${link} is ${describeFileKind(found)} where meshproof keeps a link to the newest run; move it away or choose another ${flag}`,
          );
        }
      }
      return target;
    },
    () =>
      unusable(
        `the file system did not answer within ${cliTimeouts.fileSystemCheckMs / 1000} s (a hung mount?)`,
      ),
  );
}

/** Checks that TMPDIR (or the system's temporary folder) exists and takes new folders. */
export async function checkTemporaryFolder(): Promise<void> {
  const dir = tmpdir();
  const named = process.env.TMPDIR ? `TMPDIR=${process.env.TMPDIR}` : `the temporary folder ${dir}`;
  const unusable = (what: string, cause?: unknown) =>
    problem(
      'MESHPROOF_TMPDIR_UNUSABLE',
      `${named} ${what}; create it, or point TMPDIR at a writable folder`,
      cause,
    );
  await withDeadline(
    async () => {
      const stats = await stat(dir).catch((error) => {
        throw unusable(
          errnoCode(error) === 'ENOENT' ? 'does not exist' : `cannot be read (${errnoCode(error)})`,
          error,
        );
      });
      if (!stats.isDirectory()) throw unusable(`is ${describeFileKind(stats)}, not a folder`);
      const probe = await mkdtemp(join(dir, 'meshproof-check-')).catch((error) => {
        throw unusable(`does not take new folders (${errnoCode(error)})`, error);
      });
      await rm(probe, { recursive: true, force: true });
    },
    () => unusable(`did not answer within ${cliTimeouts.fileSystemCheckMs / 1000} s (a hung mount?)`),
  );
}

/** The coded error for a run directory TMPDIR would not take (it changed since the check). */
export function workDirectoryError(error: unknown): MeshproofError {
  const named = process.env.TMPDIR ? `TMPDIR=${process.env.TMPDIR}` : `the temporary folder ${tmpdir()}`;
  return problem(
    'MESHPROOF_TMPDIR_UNUSABLE',
    `${named} did not take the run's folder (${errnoCode(error)}); create it, or point TMPDIR at a writable folder`,
    error,
  );
}
