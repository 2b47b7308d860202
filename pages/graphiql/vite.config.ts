import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * GraphiQL bundled whole (React, Monaco and its workers, fonts), so the page
 * loads nothing from a CDN. The gateway serves the output under /graphiql/.
 */
export default defineConfig({
  root: here,
  base: '/graphiql/',
  // Vite would otherwise look for a public/ folder and .env files beside the page.
  publicDir: false,
  envDir: false,
  logLevel: 'warn',
  // No @vitejs/plugin-react: Oxc compiles the TSX with React's automatic runtime.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: path.resolve(here, '../../.build/graphiql'),
    emptyOutDir: true,
    // Monaco alone is a few megabytes; the warning would only repeat that.
    chunkSizeWarningLimit: 8_000,
    rolldownOptions: {
      // framer-motion marks its modules "use client", which means nothing in a plain client bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  // Monaco's workers split into chunks of their own, which classic workers cannot import.
  worker: { format: 'es' },
});
