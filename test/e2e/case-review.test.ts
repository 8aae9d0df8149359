import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVIDENCE_PACKAGE_ENTITY, EVIDENCE_RECORDED_ACTION } from '../../src/core/evidence-ledger.js';
import { appendAudit } from '../../src/db/audit.js';
import type { EvidenceFile } from '../../src/generated/prisma/client.js';
import { FOOTAGE, seedRun, seedViolation, startTestApi, type TestApi } from '../integration/api-helpers.js';
import { buildConsole, launchBrowser, newPage, screenshot, signIn } from './browser.js';

/** The officer's console on seeded cases: a tampered case blocked, plate search with a vehicle's history, bulk reject. */

const STILL = path.resolve(FOOTAGE, '../stills/tr1_382.png');
const TAMPERED_PLATE = '57허8213';
const DUPLICATE_PLATE = '41호9627';

let t: TestApi;
let runDir: string;
let browser: Browser;
let baseURL: string;
let officer: Page;
const shots: string[] = [];
/** the queue refreshes through the API on a shared, busy CPU: a search took over the default second in CI */
const POLL = { timeout: 20_000 };
let tamperedId: string;
let elsewhereId: string;
let manifestSha: string;
let duplicates: string[];

/** A keyframe and a manifest written to the evidence store and recorded in the audit chain, as the worker does. */
async function storePackage(violationId: string, runId: string): Promise<{ keyframe: string; manifestSha: string }> {
  const files: EvidenceFile[] = [];
  for (const [name, role, source] of [
    ['keyframe-peak.png', 'keyframe', STILL],
    ['manifest.json', 'manifest', null],
  ] as const) {
    const rel = `pkg/${violationId}/${name}`;
    const dest = path.join(runDir, 'evidence', rel);
    await mkdir(path.dirname(dest), { recursive: true });
    if (source) await copyFile(source, dest);
    else await writeFile(dest, JSON.stringify({ violationId, files: files.map((f) => f.sha256) }));
    const data = await readFile(dest);
    files.push(
      await t.prisma.evidenceFile.create({
        data: {
          violationId,
          role,
          path: rel,
          mime: role === 'manifest' ? 'application/json' : 'image/png',
          sha256: createHash('sha256').update(data).digest('hex'),
          sizeBytes: BigInt(data.length),
        },
      }),
    );
  }
  const [keyframe, manifest] = files as [EvidenceFile, EvidenceFile];
  await t.prisma.$transaction((tx) =>
    appendAudit(tx, {
      actor: 'worker',
      action: EVIDENCE_RECORDED_ACTION,
      entityType: EVIDENCE_PACKAGE_ENTITY,
      entityId: violationId,
      details: {
        violationId,
        runId,
        manifestSha256: manifest.sha256,
        files: files.map((f) => ({
          id: f.id,
          role: f.role,
          path: f.path,
          sha256: f.sha256,
          sizeBytes: Number(f.sizeBytes),
        })),
      },
    }),
  );
  return { keyframe: path.join(runDir, 'evidence', keyframe.path), manifestSha: manifest.sha256 };
}

beforeAll(async () => {
  await buildConsole();
  await mkdir(path.resolve(import.meta.dirname, '../../var/e2e'), { recursive: true });
  runDir = await mkdtemp(path.resolve(import.meta.dirname, '../../var/e2e/case-'));
  t = await startTestApi({ FOOTAGE_ROOT: path.join(runDir, 'footage'), EVIDENCE_ROOT: path.join(runDir, 'evidence') });
  const a = await seedRun(t.prisma, '강남 3 카메라');
  const b = await seedRun(t.prisma, '서초 1 카메라');
  const at = (s: typeof a) => ({ cameraId: s.camera.id, runId: s.run.id, zoneId: s.zone.id });

  const tampered = await seedViolation(t.prisma, at(a), {
    startTime: new Date('2026-11-23T03:00:00Z'),
    plateText: TAMPERED_PLATE,
  });
  tamperedId = tampered.id;
  const stored = await storePackage(tamperedId, a.run.id);
  manifestSha = stored.manifestSha;
  // one byte of the keyframe changed after the package was stored
  const bytes = await readFile(stored.keyframe);
  bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x01;
  await writeFile(stored.keyframe, bytes);

  elsewhereId = (
    await seedViolation(t.prisma, at(b), { startTime: new Date('2026-11-20T09:30:00Z'), plateText: TAMPERED_PLATE })
  ).id;
  duplicates = [];
  for (let i = 0; i < 3; i++) {
    const v = await seedViolation(t.prisma, at(i === 2 ? b : a), {
      startTime: new Date(Date.UTC(2026, 10, 22, 8, 0, i * 2)),
      plateText: DUPLICATE_PLATE,
      trackId: 10 + i,
    });
    duplicates.push(v.id);
  }

  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseURL = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
  ({ page: officer } = await newPage(browser, baseURL));
  await signIn(officer, t.keys.officer);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  if (runDir) await rm(runDir, { recursive: true, force: true });
  console.log(`screenshots:\n  ${shots.join('\n  ')}`);
});

describe('case review in the console', () => {
  it('blocks a tampered case and says why, with its package hash, vehicle history and audit trail', async () => {
    await officer.goto(`/console/violations/${tamperedId}`);
    const integrity = officer.locator('section.integrity');
    await integrity.getByRole('alert').waitFor();
    expect(await integrity.getAttribute('data-integrity')).toBe('failed');
    const why = await integrity.getByRole('alert').textContent();
    expect(why).toContain('증거 검증 실패');
    expect(why).toContain(`pkg/${tamperedId}/keyframe-peak.png`);
    expect(why).toContain('sha256 불일치');
    expect(await officer.getByTestId('package-hash').textContent()).toBe(manifestSha);

    const confirm = officer.getByRole('button', { name: '확정 (C)' });
    expect(await confirm.isDisabled()).toBe(true);
    expect(await officer.getByRole('button', { name: /기각/ }).first().isDisabled()).toBe(true);
    await officer.keyboard.press('c');
    await officer.keyboard.press('r');
    expect(await officer.locator('#reason').count()).toBe(0);
    expect((await t.prisma.violation.findUniqueOrThrow({ where: { id: tamperedId } })).status).toBe('pending');

    // the same plate on another camera and day
    const history = officer.locator('section.vehicle-history');
    await history.locator(`li[data-violation-id="${elsewhereId}"]`).waitFor();
    expect(await history.textContent()).toContain('서초 1 카메라');

    const trail = officer.locator('section.audit-trail');
    await trail.locator('li[data-action="violation.view"]').first().waitFor();
    expect(await trail.locator('li[data-action="evidence.recorded"]').count()).toBe(1);
    expect(await trail.getByTestId('chain-status').textContent()).toContain('체인 정상');
    await screenshot(officer, 'case-01-tampered-blocked', shots);
  });

  it('finds cases by part of a plate, Hangul included', async () => {
    await officer.goto('/console/queue');
    await officer.getByLabel('번호판 검색').fill('57허');
    await officer.getByRole('button', { name: '검색', exact: true }).click();
    const rows = officer.locator('table.queue tbody tr');
    await expect
      .poll(() => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-violation-id'))), POLL)
      .toEqual([tamperedId, elsewhereId]);
    expect(await officer.locator('#plate-search-hint').textContent()).toContain('57허');
    await screenshot(officer, 'case-02-plate-search', shots);
  });

  it('rejects the selected duplicates with one reason, each its own review and audit row', async () => {
    await officer.getByLabel('번호판 검색').fill('41호');
    await officer.getByRole('button', { name: '검색', exact: true }).click();
    const rows = officer.locator('table.queue tbody tr');
    await expect.poll(() => rows.count(), POLL).toBe(3);
    for (const id of duplicates) await officer.locator(`tr[data-violation-id="${id}"] input[type="checkbox"]`).check();
    // ticking a box selects, it does not open the case
    expect(officer.url()).toContain('/console/queue');
    await officer.getByText('3건 선택됨').waitFor();
    await officer.locator('#bulk-reason').selectOption('duplicate');
    await screenshot(officer, 'case-03-bulk-selected', shots);
    await officer.getByRole('button', { name: '선택 건 기각' }).click();
    await officer.getByText('3건 처리, 0건 실패').waitFor();
    await expect.poll(() => rows.count(), POLL).toBe(0);

    for (const id of duplicates) {
      const v = await t.prisma.violation.findUniqueOrThrow({ where: { id }, include: { reviews: true } });
      expect(v.status).toBe('rejected');
      expect(v.reviews).toMatchObject([{ decision: 'reject', reasonCode: 'duplicate', apiKeyId: t.keyIds.officer }]);
      expect(await t.prisma.auditLog.count({ where: { entityId: id, action: 'violation.review.reject' } })).toBe(1);
    }
    await screenshot(officer, 'case-04-bulk-rejected', shots);
  });
});
