import type { ZoneKind } from './types.js';

/**
 * The words burned into annotated evidence, in Korean: the images go into Korean case files and are read by
 * Korean officers and courts. Zone and camera names are the operators' own.
 */
export const ZONE_KIND_KO: Record<ZoneKind, string> = {
  sidewalk: '보도',
  crosswalk: '횡단보도',
  park: '공원',
  restricted_road: '통행 제한 도로',
  other: '기타 구역',
};

export const MOMENT_KO = { entry: '진입', peak: '최대', exit: '이탈' } as const;

const CLASS_KO: Record<string, string> = {
  motorcycle: '이륜차',
  bicycle: '자전거',
  person: '사람',
  car: '승용차',
  bus: '버스',
  truck: '화물차',
};

/** A detector class in Korean; an unknown one as it is. */
export function classLabelKo(label: string): string {
  return CLASS_KO[label] ?? label;
}

export const ESTIMATED_KO = '추정';
