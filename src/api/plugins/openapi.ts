import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/** OpenAPI 3 generated from the routes' zod schemas: `/openapi.json`, and a browsable UI at `/docs`. */
async function openapi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'motoguard API',
        description: 'Cameras, zones, footage, violations, reviews and evidence. Errors are RFC 9457 problem+json.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'an API key from `npm run keys`' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'mg_session',
            description:
              'the console session from POST /auth/login; a request that changes anything also sends x-csrf-token',
          },
          signToken: {
            type: 'http',
            scheme: 'bearer',
            description: "a sign token from POST /cameras/{id}/sign/tokens: opens that camera's sign stream only",
          },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

export default fp(openapi, { name: 'openapi', fastify: '5.x' });
