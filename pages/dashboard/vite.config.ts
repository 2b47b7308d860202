import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The tenant dashboard bundled whole (React, uPlot, the GraphQL clients), so
 * the page loads nothing from a CDN. The gateway serves the output under /dashboard/.
 */
export default defineConfig({
  root: here,
  base: '/dashboard/',
  // Vite would otherwise look for a public/ folder and .env files beside the page.
  publicDir: false,
  envDir: false,
  logLevel: 'warn',
  // No @vitejs/plugin-react: Oxc compiles the TSX with React's automatic runtime.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: path.resolve(here, '../../.build/dashboard'),
    emptyOutDir: true,
  },
});
