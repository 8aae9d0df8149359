import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../src/queue/queues.js';
import { bearer, expectProblem, startTestApi, type TestApi } from './api-helpers.js';

let t: TestApi;

beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

describe('queue dashboard (/admin/queues)', () => {
  it("shows an admin every queue of the installation's prefix", async () => {
    const page = await get('/admin/queues', bearer(t.keys.admin));
    expect(page.statusCode, page.body).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    const api = await get('/admin/queues/api/queues', bearer(t.keys.admin));
    expect(api.statusCode, api.body).toBe(200);
    const names = api
      .json<{ queues: { name: string }[] }>()
      .queues.map((q) => q.name)
      .sort();
    expect(names).toEqual(
      Object.values(QUEUES)
        .map((q) => q.name)
        .sort(),
    );
  });

  it('refuses officers and ops with 403 and the keyless with 401, as problem+json, page, API and assets alike', async () => {
    for (const url of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/static/css/main.css']) {
      for (const key of [t.keys.officer, t.keys.ops]) {
        const body = expectProblem(await get(url, bearer(key)), 403);
        expect(body.type).toBe('/problems/forbidden');
      }
      expectProblem(await get(url), 401);
    }
    const put = await t.app.inject({
      method: 'PUT',
      url: `/admin/queues/api/queues/${QUEUES.analyze.name}/pause`,
      headers: bearer(t.keys.ops),
    });
    expectProblem(put, 403);
    expect(await t.queue.isPaused()).toBe(false);
  });
});
