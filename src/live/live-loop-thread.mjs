// Worker threads do not inherit a TypeScript loader in every runner (vitest, plain node): register tsx here.
import { register } from 'tsx/esm/api';

register();
await import('./live-loop-thread.ts');
