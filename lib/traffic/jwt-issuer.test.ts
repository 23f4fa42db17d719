import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import type { Observation, TrafficDriver, TrafficPlan } from '../model/index.ts';
import { jwtAudience, jwtIssuer } from '../model/index.ts';
import { createJwtIssuer, withBearerTokens } from './jwt-issuer.ts';

const issuer = await createJwtIssuer();
const keySet = createLocalJWKSet(issuer.jwks as never);
const verify = (token: string) =>
  jwtVerify(token, keySet, { issuer: jwtIssuer, audience: jwtAudience, algorithms: ['RS256'] });

describe('the run issuer', () => {
  it('publishes only the public half of its key', () => {
    expect(issuer.jwks.keys).toHaveLength(1);
    const [key] = issuer.jwks.keys;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: 'meshproof-issuer-1' });
    expect(key).not.toHaveProperty('d');
  });

  it('mints a valid token with the claims asked for, verified by its own key set', async () => {
    const token = await issuer.mint({ subject: 'alice', claims: { groups: ['admins'] } });
    const { payload } = await verify(token);
    expect(payload).toMatchObject({ iss: jwtIssuer, aud: jwtAudience, sub: 'alice', groups: ['admins'] });
    expect((payload.exp ?? 0) - Math.floor(Date.now() / 1000)).toBeGreaterThan(3000);
  });

  it('makes each near miss fail verification for the reason it names', async () => {
    await expect(verify(await issuer.mint({ subject: 'a', expiresInS: -600 }))).rejects.toThrow(/exp/);
    await expect(verify(await issuer.mint({ subject: 'a', signing: 'unknown-key' }))).rejects.toThrow(
      /signature/,
    );
    await expect(verify(await issuer.mint({ subject: 'a', signing: 'tampered' }))).rejects.toThrow(
      /signature/,
    );
    await expect(verify(await issuer.mint({ subject: 'a', issuer: `${jwtIssuer}.evil` }))).rejects.toThrow(
      /iss/,
    );
    await expect(verify(await issuer.mint({ subject: 'a', audience: 'other' }))).rejects.toThrow(/aud/);
    const none = await issuer.mint({ subject: 'a', signing: 'none' });
    expect(decodeProtectedHeader(none).alg).toBe('none');
    expect(none.endsWith('.')).toBe(true);
  });

  it('keeps a list audience a list', async () => {
    const { payload } = await verify(await issuer.mint({ subject: 'b', audience: ['x', jwtAudience] }));
    expect(payload.aud).toEqual(['x', jwtAudience]);
  });
});

describe('withBearerTokens', () => {
  const sent: TrafficPlan[] = [];
  const inner: TrafficDriver = {
    async send(plan): Promise<Observation[]> {
      sent.push(plan);
      return [];
    },
  };
  const driver = withBearerTokens(inner, issuer);

  it('sends a plan with a token as Authorization: Bearer, and one without untouched', async () => {
    const plain: TrafficPlan = { caller: 'client', service: 'server', requests: 1, headers: { a: 'b' } };
    await driver.send(plain, 'p.');
    await driver.send({ ...plain, bearer: { subject: 'alice' } }, 'q.');
    expect(sent[0]).toBe(plain);
    expect(sent[1]?.bearer).toBeUndefined();
    const header = sent[1]?.headers?.authorization ?? '';
    expect(header).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sent[1]?.headers?.a).toBe('b');
    expect((await verify(header.slice('Bearer '.length))).payload.sub).toBe('alice');
  });

  it("gives a chaos timeline's stream its token too", async () => {
    const prepared: TrafficPlan[] = [];
    const streaming = withBearerTokens(
      {
        ...inner,
        async prepareAtRate(plan) {
          prepared.push(plan);
          return {
            start: () => ({
              endAt() {},
              done: Promise.resolve({ observations: [], scheduled: 0, dropped: 0 }),
            }),
            abandon: async () => {},
          };
        },
      },
      issuer,
    );
    const plan: TrafficPlan = {
      caller: 'client',
      service: 'server',
      requests: 1,
      bearer: { subject: 'bob' },
    };
    await streaming.prepareAtRate?.(plan, { ratePerS: 1, maxDurationMs: 1, maxInFlight: 1 }, 'r.');
    const header = prepared[0]?.headers?.authorization ?? '';
    expect((await verify(header.slice('Bearer '.length))).payload.sub).toBe('bob');
    expect(withBearerTokens(inner, issuer).prepareAtRate).toBeUndefined();
  });
});
