import { mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getContainerRuntimeClient } from 'testcontainers';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from '../cli/bench-command.ts';
import { cleanupRun } from '../cli/cleanup.ts';
import { MeshproofError } from '../errors/meshproof-error.ts';
import { writeBenchFiles } from '../report/bench-files.ts';
import { benchConfigFromFlags } from './bench-options.ts';
import { buildBenchReport } from './bench-report.ts';
import { runLocalBench } from './local-bench.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('the benchmark on the local platform (real haproxy sidecars)', () => {
  it('measures baseline, calibration and meshed windows over the paths it claims', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'meshproof-bench-test-'));
    const output = await mkdtemp(join(tmpdir(), 'meshproof-bench-out-'));
    dirs.push(output);
    const config = benchConfigFromFlags(
      { rates: '50', duration: '400ms', warmup: '200ms', repeat: '1', calibrate: true },
      { mesh: 'reference', platform: 'local', output, installMesh: false },
    );
    let data: Awaited<ReturnType<typeof runLocalBench>>;
    try {
      data = await runLocalBench(config, {
        runId: 'bench-e2e',
        workDir,
        harnessVersion: 'test',
        log: () => undefined,
      });
    } finally {
      await cleanupRun(workDir);
    }
    // The meshed path went through both sidecars over mTLS; the baseline did not.
    expect(data.pathCheck).toEqual({
      baseline: { status: 200, identity: null },
      meshed: { status: 200, identity: 'spiffe://cluster.local/ns/meshproof/sa/client' },
      expectedIdentity: 'spiffe://cluster.local/ns/meshproof/sa/client',
    });
    expect(data.windows.map((w) => [w.mode, w.scheduled, w.ok, w.errors])).toEqual([
      ['baseline', 20, 20, 0],
      ['calibration', 20, 20, 0],
      ['meshed', 20, 20, 0],
    ]);
    const meshed = data.windows.find((w) => w.mode === 'meshed');
    expect(meshed?.proxies['client-sidecar']?.memoryMiB.max).toBeGreaterThan(0);
    expect(meshed?.proxies['server-sidecar']?.memoryMiB.max).toBeGreaterThan(0);

    const report = buildBenchReport(data);
    expect(report.selfChecks[0]).toMatchObject({ name: 'path', status: 'passed' });
    const files = await writeBenchFiles(report, output);
    expect(files.map((f) => f.split('/').slice(-2).join('/'))).toEqual([
      'bench-e2e/bench.json',
      'bench-e2e/bench.md',
      'bench-e2e/bench.html',
    ]);
    expect(JSON.parse(await readFile(files[0] ?? '', 'utf8'))).toMatchObject({
      kind: 'SidecarOverheadBenchmark',
    });
    expect(await readFile(files[2] ?? '', 'utf8')).toContain('<section id="bench"');
    expect(await readlink(join(output, 'latest-bench'))).toBe('bench/bench-e2e');
  });
});

const runtimeAnswers = await getContainerRuntimeClient().then(
  () => true,
  () => false,
);

describe('on a cluster mesh without a container runtime', () => {
  it.skipIf(runtimeAnswers)('fails fast with the coded no-runtime error', async () => {
    await expect(runBench({ mesh: 'istio' })).rejects.toSatisfy(
      (error) => error instanceof MeshproofError && error.code === 'MESHPROOF_NO_CONTAINER_RUNTIME',
    );
  });
});
