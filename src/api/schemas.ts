import { z } from 'zod';

/** Path parameter of every `/:id` route; a malformed id is a 400, an unknown one a 404. */
export const idParams = z.strictObject({ id: z.uuid() });

/** Tag and security requirement shared by authenticated routes in the OpenAPI document. */
export const secured = [{ apiKey: [] }];
