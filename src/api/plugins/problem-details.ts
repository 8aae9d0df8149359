import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { z } from 'zod';
import { problemFromPrisma } from '../prisma-problems.js';
import { HttpProblem, type FieldError } from '../problem.js';
import type { problemResponse } from '../schemas.js';

const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

type ProblemBody = z.output<typeof problemResponse>;

export function sendProblem(reply: FastifyReply, body: ProblemBody): FastifyReply {
  // Sent as a string so no route response schema gets a say in the shape.
  return reply.code(body.status).type(PROBLEM_TYPE).send(JSON.stringify(body));
}

function fieldErrors(error: FastifyError & { validationContext?: string }): FieldError[] {
  const where = error.validationContext ?? 'body';
  return (error.validation ?? []).flatMap((v) => {
    const base = v.instancePath === '/' ? '' : v.instancePath;
    const keys = (v.params as { keys?: unknown }).keys;
    // zod reports unknown fields once for their object; name each field so forms can point at it.
    if (v.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
      return keys.map((k) => ({
        in: where,
        pointer: `${base}/${String(k)}`,
        detail: `unknown field "${String(k)}"`,
        code: v.keyword,
      }));
    }
    return [
      { in: where, pointer: base || '/', detail: v.message ?? 'invalid', code: v.keyword, ...issueParams(v.params) },
    ];
  });
}

/** The limits a zod issue names (numbers as numbers: zod's bigint limits for int() fit), for clients to word. */
function issueParams(raw: unknown): Pick<FieldError, 'params'> {
  const p = raw as Record<string, unknown>;
  const params: NonNullable<FieldError['params']> = {};
  const num = (v: unknown) => (typeof v === 'number' || typeof v === 'bigint' ? Number(v) : undefined);
  if (typeof p.origin === 'string') params.origin = p.origin;
  if (num(p.minimum) !== undefined) params.minimum = num(p.minimum);
  if (num(p.maximum) !== undefined) params.maximum = num(p.maximum);
  if (typeof p.inclusive === 'boolean') params.inclusive = p.inclusive;
  if (typeof p.format === 'string') params.format = p.format;
  if (typeof p.expected === 'string') params.expected = p.expected;
  if (Array.isArray(p.values))
    params.values = p.values.filter((x) => ['string', 'number', 'boolean'].includes(typeof x));
  return Object.keys(params).length > 0 ? { params } : {};
}

/** Fastify's own 4xx codes mapped to problem types clients can branch on. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: '/problems/malformed-json',
  FST_ERR_CTP_EMPTY_JSON_BODY: '/problems/malformed-json',
  FST_ERR_CTP_BODY_TOO_LARGE: '/problems/body-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: '/problems/unsupported-media-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: '/problems/bad-request',
  FST_REQ_FILE_TOO_LARGE: '/problems/body-too-large',
  FST_PARTS_LIMIT: '/problems/body-too-large',
  FST_FILES_LIMIT: '/problems/body-too-large',
  FST_FIELDS_LIMIT: '/problems/body-too-large',
};

function toProblem(error: FastifyError & { validationContext?: string }, request: FastifyRequest): ProblemBody {
  const instance = request.url.split('?')[0] ?? request.url;
  const problem = error instanceof HttpProblem ? error : problemFromPrisma(error);
  if (problem) {
    return {
      ...problem.extensions,
      type: problem.type,
      title: problem.title,
      status: problem.status,
      detail: problem.message,
      instance,
    };
  }
  if (error.validation?.length) {
    const errors = fieldErrors(error);
    return {
      type: '/problems/validation',
      title: 'Request validation failed',
      status: 400,
      detail: errors.map((e) => `${e.in}${e.pointer === '/' ? '' : e.pointer}: ${e.detail}`).join('; '),
      instance,
      errors,
    };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // JSON.parse messages name the offending position, which is useful and leaks nothing.
    return {
      type: FASTIFY_CODES[error.code] ?? '/problems/bad-request',
      title: STATUS_CODES[status] ?? 'Client Error',
      status,
      detail: error.message,
      instance,
    };
  }
  return {
    type: '/problems/internal',
    title: 'Internal Server Error',
    status: 500,
    detail: 'The server could not complete the request; the error has been logged.',
    instance,
  };
}

/** Renders an error as problem+json and logs it; also the error handler of routes a library registers. */
export function problemErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body = toProblem(error, request);
  if (body.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ status: body.status, type: body.type }, body.detail);
  return sendProblem(reply, { ...body, requestId: request.id });
}

/** Every error and every unknown route becomes RFC 9457 problem+json; stack traces stay in the log. */
async function problemDetails(app: FastifyInstance): Promise<void> {
  app.setErrorHandler(problemErrorHandler);
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      type: '/problems/not-found',
      title: 'Not Found',
      status: 404,
      detail: `no route ${request.method} ${request.url.split('?')[0]}`,
      instance: request.url.split('?')[0] ?? request.url,
      requestId: request.id,
    }),
  );
}

export default fp(problemDetails, { name: 'problem-details', fastify: '5.x' });
