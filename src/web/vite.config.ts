import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));

/**
 * Two pages, Preact through esbuild's automatic JSX runtime, built to dist/web and served by the API: the
 * console (index.html) and the warning sign (sign.html), a page of its own so a sign loads none of the console.
 */
export default defineConfig({
  root: webRoot,
  base: '/',
  publicDir: false,
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
    rollupOptions: {
      input: {
        console: fileURLToPath(new URL('index.html', import.meta.url)),
        sign: fileURLToPath(new URL('sign.html', import.meta.url)),
      },
    },
  },
});
