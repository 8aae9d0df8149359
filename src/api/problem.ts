import { STATUS_CODES } from 'node:http';
import type { z } from 'zod';
import type { fieldError } from './schemas.js';

/** One field-level complaint inside a validation problem. */
export type FieldError = z.output<typeof fieldError>;

/** Extension members allowed beside the standard RFC 9457 fields. */
export type ProblemExtensions = Record<string, unknown>;

/**
 * An error that becomes an application/problem+json response. Routes throw it; the problem-details
 * plugin renders it. `type` is a relative URI naming the kind of problem so clients can branch on it.
 */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';

  constructor(
    readonly status: number,
    readonly type: string,
    detail: string,
    readonly extensions: ProblemExtensions = {},
  ) {
    super(detail);
  }

  get title(): string {
    return STATUS_CODES[this.status] ?? 'Error';
  }
}

export const badRequest = (detail: string, ext?: ProblemExtensions) =>
  new HttpProblem(400, '/problems/bad-request', detail, ext);
export const forbidden = (detail: string, ext?: ProblemExtensions) =>
  new HttpProblem(403, '/problems/forbidden', detail, ext);
export const notFound = (entity: string, id: string) =>
  new HttpProblem(404, '/problems/not-found', `${entity} ${id} does not exist`, { entity, id });
export const conflict = (type: string, detail: string, ext?: ProblemExtensions) =>
  new HttpProblem(409, `/problems/${type}`, detail, ext);
export const unprocessable = (type: string, detail: string, ext?: ProblemExtensions) =>
  new HttpProblem(422, `/problems/${type}`, detail, ext);
