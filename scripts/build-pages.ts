/**
 * `npm run build:pages`: bundles the browser pages under pages/ (today the
 * GraphiQL page) into .build/graphiql/, which the gateway serves. The bundle
 * is not committed; `ensurePagesBuilt` builds it when it is missing or when
 * its sources or the locked dependencies changed since it was built, so
 * `npm start` and the tests never serve a stale page.
 *
 *   tsx scripts/build-pages.ts           build if stale
 *   tsx scripts/build-pages.ts --force   build anyway
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GRAPHIQL_BUILD_DIR } from '../gateway/http/pages';

const ROOT = path.resolve(__dirname, '..');
const PAGES_DIR = path.join(ROOT, 'pages');
const VITE_CONFIG = path.join(PAGES_DIR, 'graphiql', 'vite.config.ts');
const VITE_BIN = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
/** A dotfile, so the gateway never serves it. */
const STAMP_FILE = '.source-hash';

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const full = path.join(dir, entry);
      if (entry === 'node_modules') return [];
      return statSync(full).isDirectory() ? filesUnder(full) : [full];
    });
}

/** What the bundle is built from: every file under pages/ (names and contents) and the locked dependency tree. */
export function pagesSourceHash(): string {
  const hash = createHash('sha256');
  for (const file of [...filesUnder(PAGES_DIR), path.join(ROOT, 'package-lock.json')]) {
    hash.update(path.relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function builtHash(dir = GRAPHIQL_BUILD_DIR): string | null {
  const stamp = path.join(dir, STAMP_FILE);
  if (!existsSync(stamp) || !existsSync(path.join(dir, 'index.html'))) return null;
  return readFileSync(stamp, 'utf8').trim();
}

function runVite(outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // A child process, not Vite's JS API: Vite is ESM-only and this module
    // also runs under Jest's CommonJS runtime; a child also returns the
    // bundler's memory when it is done.
    const child = spawn(process.execPath, [VITE_BIN, 'build', '--config', VITE_CONFIG, '--outDir', outDir, '--emptyOutDir'], {
      cwd: ROOT,
      // Jest sets NODE_ENV=test, and Vite would then bundle React's development build.
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`vite build failed (${signal ?? `exit ${code}`}):\n${output.trim().split('\n').slice(-40).join('\n')}`));
    });
  });
}

/**
 * Builds the pages unless the bundle in .build/ was built from exactly the
 * current sources. The new bundle is built beside the old one and swapped
 * in, so a server running meanwhile never serves half of one.
 */
export async function ensurePagesBuilt(log: (line: string) => void = () => {}, { force = false } = {}): Promise<{ built: boolean }> {
  const hash = pagesSourceHash();
  if (!force && builtHash() === hash) return { built: false };

  const started = Date.now();
  log(existsSync(GRAPHIQL_BUILD_DIR) && !force ? 'the GraphiQL page changed: rebuilding it' : 'building the GraphiQL page');
  const fresh = `${GRAPHIQL_BUILD_DIR}.new-${process.pid}`;
  const old = `${GRAPHIQL_BUILD_DIR}.old-${process.pid}`;
  try {
    await runVite(fresh);
    await writeFile(path.join(fresh, STAMP_FILE), hash + '\n');
    if (existsSync(GRAPHIQL_BUILD_DIR)) await rename(GRAPHIQL_BUILD_DIR, old);
    await rename(fresh, GRAPHIQL_BUILD_DIR);
  } finally {
    await rm(fresh, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
  }
  log(`GraphiQL page built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${path.relative(ROOT, GRAPHIQL_BUILD_DIR)}/`);
  return { built: true };
}

if (require.main === module) {
  ensurePagesBuilt((line) => process.stdout.write(line + '\n'), { force: process.argv.includes('--force') })
    .then(({ built }) => {
      if (!built) process.stdout.write(`GraphiQL page up to date: ${path.relative(ROOT, GRAPHIQL_BUILD_DIR)}/\n`);
    })
    .catch((err) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
