import { z } from 'zod';

/** Login names: lower-case letters, digits, dot, dash, underscore (case-insensitive at sign-in). */
export const loginName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9._-]{2,64}$/, '2–64 letters, digits, ".", "-" or "_"');

/** What a new password must be; the upper bound keeps one hash's cost bounded. */
export const newPassword = z.string().min(10, 'at least 10 characters').max(256).describe('at least 10 characters');
