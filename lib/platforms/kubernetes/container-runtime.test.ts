import { describe, expect, it } from 'vitest';
import { isRootless, requireContainerRuntime } from './container-runtime.ts';

describe('the container runtime for an ephemeral k3s', () => {
  it('is rootless when /info lists name=rootless (Docker and Podman alike)', () => {
    expect(
      isRootless({ SecurityOptions: ['name=seccomp,profile=builtin', 'name=rootless', 'name=cgroupns'] }),
    ).toBe(true);
    expect(isRootless({ SecurityOptions: ['name=seccomp,profile=default', 'name=rootless'] })).toBe(true);
    expect(
      isRootless({ SecurityOptions: ['name=apparmor', 'name=seccomp,profile=builtin', 'name=cgroupns'] }),
    ).toBe(false);
    expect(isRootless({ SecurityOptions: null })).toBe(false);
    expect(isRootless({})).toBe(false);
  });

  it('stops with a coded error before k3s would fail in a rootless runtime', async () => {
    await expect(
      requireContainerRuntime(async () => ({ SecurityOptions: ['name=rootless'] })),
    ).rejects.toMatchObject({
      code: 'MESHPROOF_ROOTLESS_RUNTIME',
      message: expect.stringContaining('--platform kubeconfig --context NAME'),
    });
    await expect(
      requireContainerRuntime(async () => ({ SecurityOptions: ['name=seccomp'] })),
    ).resolves.toBeUndefined();
  });

  it('says how to go on when no runtime answers', async () => {
    await expect(
      requireContainerRuntime(async () => {
        throw new Error('connect ENOENT /var/run/docker.sock');
      }),
    ).rejects.toMatchObject({ code: 'MESHPROOF_NO_CONTAINER_RUNTIME' });
  });
});
