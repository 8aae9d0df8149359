import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CAMERA_DEFAULTS, ZONE_RULE_DEFAULTS } from '../../core/camera-config.js';
import { SIGN_DEFAULTS } from '../../core/sign-warning.js';
import type { ApiDeps } from '../deps.js';
import { defaultsResponse, secured } from '../schemas.js';

/** The settings' defaults as core defines them, so the console shows what a field left blank will be. */
const defaultsRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app) => {
  app.get(
    '/config/defaults',
    {
      config: { roles: ['officer', 'ops'] },
      schema: {
        tags: ['config'],
        summary: 'Defaults of camera, zone and sign settings',
        security: secured,
        response: { 200: defaultsResponse },
      },
    },
    async () => ({
      camera: CAMERA_DEFAULTS,
      zoneRules: { ...ZONE_RULE_DEFAULTS, classes: [...ZONE_RULE_DEFAULTS.classes] },
      sign: SIGN_DEFAULTS,
    }),
  );
};

export default defaultsRoutes;
