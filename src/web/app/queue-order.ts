/** The ids of the list the officer last looked at, so the violation page can step to the next one. */
let order: string[] = [];

export function rememberOrder(ids: string[]): void {
  order = ids;
}

export function neighbour(id: string, step: 1 | -1): string | null {
  const i = order.indexOf(id);
  if (i < 0) return null;
  return order[i + step] ?? null;
}
