import path from 'node:path';
import { projectRoot } from '../config.js';

/** The demo clip lives in the shared data folder beside the project, never in the repository. */
export const DEMO_FOOTAGE = path.resolve(projectRoot, '..', 'shared', 'footage', 'thanglm_traffic.mp4');
export const DEMO_CAMERA = path.join(projectRoot, 'fixtures', 'demo-camera.json');
/** The clip's burnt-in clock reads 06/08/2021 13:52:27 (Vietnam, UTC+7) on its first frame. */
export const DEMO_SEGMENT_START = new Date('2021-08-06T13:52:27+07:00');
