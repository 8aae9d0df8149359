import { Prisma } from '../db/client.js';
import { HttpProblem } from './problem.js';

/**
 * Constraint errors that reach the error handler are the client's doing (a name already taken, a
 * row that vanished meanwhile); they become 409/404 problems instead of 500s.
 */
export function problemFromPrisma(error: unknown): HttpProblem | null {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return null;
  switch (error.code) {
    case 'P2002': {
      const meta = error.meta as
        { modelName?: string; driverAdapterError?: { cause?: { constraint?: { index?: string } } } } | undefined;
      const constraint = meta?.driverAdapterError?.cause?.constraint?.index;
      return new HttpProblem(
        409,
        '/problems/conflict',
        `a ${meta?.modelName?.toLowerCase() ?? 'record'} with the same unique value already exists`,
        constraint ? { constraint } : {},
      );
    }
    case 'P2003':
      return new HttpProblem(409, '/problems/conflict', 'the change would break a reference between records');
    case 'P2025':
      return new HttpProblem(404, '/problems/not-found', 'the record does not exist (any more)');
    default:
      return null;
  }
}
