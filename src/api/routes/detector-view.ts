import { createReadStream } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import sharp from 'sharp';
import { loadAnalysisInput, type AnalysisInput } from '../../db/analysis-store.js';
import type { Segment } from '../../generated/prisma/client.js';
import { MediaError } from '../../media/errors.js';
import { extractFrame } from '../../media/keyframe.js';
import type { PrismaClient } from '../../db/client.js';
import type { ApiDeps } from '../deps.js';
import { DetectorViewRunner } from '../detector-view.js';
import { notFound, unprocessable } from '../problem.js';
import { detectorViewResponse, frameQuery, idParams, secured } from '../schemas.js';

const OPS = { roles: ['ops'] } as const;

/** Longest segment traced on request: the view runs the whole analysis of it while ops wait. */
export const DETECTOR_VIEW_MAX_SEC = 120;
const TRACE_TIMEOUT_MS = 10 * 60_000;

async function traceable(prisma: PrismaClient, id: string): Promise<AnalysisInput & { videoPath: string }> {
  const input = await loadAnalysisInput(prisma, id);
  if (!input) throw notFound('segment', id);
  const duration = input.segment.durationSec ?? 0;
  if (duration > DETECTOR_VIEW_MAX_SEC) {
    throw unprocessable(
      'segment-too-long',
      `the detector view traces segments of up to ${DETECTOR_VIEW_MAX_SEC} s; this one is ${duration.toFixed(0)} s`,
    );
  }
  return { ...input, videoPath: await footageOf(input.segment) };
}

/** The segment's file; a 422 problem when it is gone from disk (a row outlives a file removed by hand). */
async function footageOf(segment: Segment): Promise<string> {
  const file = fileURLToPath(segment.fileUri);
  try {
    await access(file);
  } catch {
    throw unprocessable('footage-missing', `the footage of segment ${segment.id} is no longer on disk`);
  }
  return file;
}

/**
 * The detector view (Frigate's debug view) of a segment: what the analysis sees and decides on each frame, with the
 * camera's zones as they are now, so a zone can be tuned by looking. Ops only: it runs the analysis on demand.
 */
const detectorViewRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma, config }) => {
  const runner = new DetectorViewRunner(TRACE_TIMEOUT_MS);

  app.get(
    '/segments/:id/detector-view',
    {
      config: OPS,
      schema: {
        tags: ['segments'],
        summary: "Detector view: each frame's detections, tracks and the zones' verdicts (runs the analysis)",
        params: idParams,
        security: secured,
        response: { 200: detectorViewResponse },
      },
    },
    async (request) => {
      const input = await traceable(prisma, request.params.id);
      return runner.trace({
        segmentId: input.segment.id,
        videoPath: input.videoPath,
        camera: input.camera,
        segmentStart: input.segment.startTime,
        fps: config.ANALYSIS_FPS,
      });
    },
  );

  app.get(
    '/segments/:id/detector-view/clip',
    {
      config: OPS,
      schema: {
        tags: ['segments'],
        summary: 'The detector view drawn on the frames, as an MP4 (H.264) at the analysis rate',
        params: idParams,
        security: secured,
      },
    },
    async (request, reply) => {
      const input = await traceable(prisma, request.params.id);
      const dir = await mkdtemp(path.join(tmpdir(), 'motoguard-detector-view-'));
      const clip = path.join(dir, 'detector-view.mp4');
      try {
        await runner.clip({
          segmentId: input.segment.id,
          videoPath: input.videoPath,
          camera: input.camera,
          segmentStart: input.segment.startTime,
          fps: config.ANALYSIS_FPS,
          clip,
        });
      } catch (err) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
      const stream = createReadStream(clip);
      stream.once('close', () => void rm(dir, { recursive: true, force: true }));
      return reply
        .type('video/mp4')
        .header('content-disposition', `attachment; filename="detector-view-${input.segment.id}.mp4"`)
        .send(stream);
    },
  );

  app.get(
    '/segments/:id/frame',
    {
      config: OPS,
      schema: {
        tags: ['segments'],
        summary: 'The frame shown at t seconds, as JPEG (the detector view draws over it)',
        params: idParams,
        querystring: frameQuery,
        security: secured,
      },
    },
    async (request, reply) => {
      const segment = await prisma.segment.findUnique({ where: { id: request.params.id } });
      if (!segment) throw notFound('segment', request.params.id);
      let frame;
      try {
        frame = await extractFrame(await footageOf(segment), request.query.t);
      } catch (err) {
        if (err instanceof MediaError)
          throw unprocessable('not-a-video', `no frame at ${request.query.t} s: ${err.code}`);
        throw err;
      }
      const jpeg = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
        .jpeg({ quality: 85 })
        .toBuffer();
      return reply.type('image/jpeg').header('cache-control', 'private, max-age=300').send(jpeg);
    },
  );
};

export default detectorViewRoutes;
