import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator } from '../../src/web/app/i18n.js';
import { fieldErrorText, type FieldError } from '../../src/web/app/field-errors.js';
import { bearer, expectProblem, startTestApi, type TestApi } from './api-helpers.js';

/**
 * The console words a form's field errors itself, in Korean, from the issue code and limits the API's
 * problem+json carries with each field; the API's own detail stays English. Real problems from the real routes.
 */
let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

const ko = translator('ko');
const HANGUL = /[가-힣]/;

async function koreanErrors(url: string, payload: object): Promise<Record<string, string>> {
  const res = await t.app.inject({ method: 'POST', url, headers: bearer(t.keys.ops), payload });
  const errors = expectProblem(res, 400).errors as FieldError[];
  return Object.fromEntries(errors.map((e) => [e.pointer, fieldErrorText(e, ko)]));
}

describe('field errors in the console', () => {
  it('words a camera form’s problems in Korean from their codes and limits', async () => {
    const shown = await koreanErrors('/cameras', {
      name: '',
      timezone: 'Mars/Olympus',
      frameWidth: 0,
      frameHeight: 40_000,
      plateFormat: 'xx',
      colour: 'red',
    });
    expect(shown).toEqual({
      '/name': '필수 항목입니다.',
      '/timezone': 'IANA 시간대 이름을 입력하세요 (예: Asia/Seoul).',
      '/frameWidth': '0보다 커야 합니다.',
      '/frameHeight': '32768 이하여야 합니다.',
      '/plateFormat': '다음 중에서 고르세요: kr, none',
      '/colour': '알 수 없는 항목입니다.',
    });
  });

  it('words a zone form’s polygon, schedule and rules problems in Korean', async () => {
    const camera = await t.app.inject({
      method: 'POST',
      url: '/cameras',
      headers: bearer(t.keys.ops),
      payload: { name: `field errors ${process.pid}` },
    });
    expect(camera.statusCode).toBe(201);
    const shown = await koreanErrors(`/cameras/${camera.json().id}/zones`, {
      name: 'a\nb',
      kind: 'sidewalk',
      polygon: [
        [0, 0],
        [1, 1],
        [1, 0],
        [0, 1],
      ],
      schedule: [
        { days: [1, 1], start: '25:00', end: '24:30' },
        { days: [2], start: '08:00', end: '08:00' },
      ],
      minDwellSeconds: -1,
      classes: [],
    });
    expect(shown).toEqual({
      '/name': '한 줄로 입력하세요 (줄바꿈, 탭, 제어 문자 불가).',
      '/polygon': '구역이 올바르지 않습니다: 0–1 범위의 점 3개 이상, 겹치는 점과 서로 교차하는 변이 없어야 합니다.',
      '/schedule/0/days': '요일이 중복되었습니다.',
      '/schedule/0/start': '시작 시각은 HH:MM (00:00–23:59) 형식입니다.',
      '/schedule/0/end': '끝 시각은 HH:MM (00:00–24:00) 형식입니다.',
      '/schedule/1/end': '시작과 끝 시각이 같을 수 없습니다.',
      '/minDwellSeconds': '0 이상이어야 합니다.',
      '/classes': '1개 이상 골라 주세요.',
    });
    for (const text of Object.values(shown)) expect(text).toMatch(HANGUL);
  });
});
