import { z } from 'zod';

/** Path parameter of every `/:id` route; a malformed id is a 400, an unknown one a 404. */
export const idParams = z.strictObject({ id: z.uuid() });

/** Tag and security requirement shared by authenticated routes in the OpenAPI document. */
export const secured = [{ apiKey: [] }];

/**
 * An ISO 8601 time with its offset, in the years Postgres and the clocks here hold (1970–9999): year
 * 0000 parses as a date but Postgres refuses it, which would be a 500.
 */
export const isoTime = z.iso.datetime({ offset: true }).refine((s) => {
  const year = new Date(s).getUTCFullYear();
  // not a time at all: the format check has said so already
  return Number.isNaN(year) || (year >= 1970 && year <= 9999);
}, 'time must fall in the years 1970–9999');
