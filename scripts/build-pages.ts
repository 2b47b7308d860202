/**
 * `npm run build:pages`: bundles each browser page under pages/ (GraphiQL,
 * the dashboard) into .build/<page>/, which the gateway serves. The bundles
 * are not committed; `ensurePagesBuilt` builds a page when its bundle is
 * missing or when its sources or the locked dependencies changed since it
 * was built, so `npm start` and the tests never serve a stale page.
 *
 *   tsx scripts/build-pages.ts           build what is stale
 *   tsx scripts/build-pages.ts --force   build every page anyway
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PAGES, type PageBundle } from '../gateway/http/pages';

const ROOT = path.resolve(__dirname, '..');
const PAGES_DIR = path.join(ROOT, 'pages');
const VITE_BIN = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
/** A dotfile, so the gateway never serves it. */
const STAMP_FILE = '.source-hash';

function filesUnder(dir: string, skip: ReadonlySet<string> = new Set()): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const full = path.join(dir, entry);
      if (entry === 'node_modules' || skip.has(full)) return [];
      return statSync(full).isDirectory() ? filesUnder(full) : [full];
    });
}

/**
 * What a page's bundle is built from: every file under pages/ but the other
 * pages' folders (names and contents; shared files such as the generated
 * operations count for every page), and the locked dependency tree. Editing
 * the dashboard thus never rebuilds GraphiQL, whose Monaco build is the slow one.
 */
export function pageSourceHash(page: PageBundle): string {
  const others = new Set(PAGES.filter((p) => p.name !== page.name).map((p) => path.join(PAGES_DIR, p.name)));
  const hash = createHash('sha256');
  for (const file of [...filesUnder(PAGES_DIR, others), path.join(ROOT, 'package-lock.json')]) {
    hash.update(path.relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function builtHash(dir: string): string | null {
  const stamp = path.join(dir, STAMP_FILE);
  if (!existsSync(stamp) || !existsSync(path.join(dir, 'index.html'))) return null;
  return readFileSync(stamp, 'utf8').trim();
}

function runVite(page: PageBundle, outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // A child process, not Vite's JS API: Vite is ESM-only and this module
    // also runs under Jest's CommonJS runtime; a child also returns the
    // bundler's memory when it is done.
    const config = path.join(PAGES_DIR, page.name, 'vite.config.ts');
    const child = spawn(process.execPath, [VITE_BIN, 'build', '--config', config, '--outDir', outDir, '--emptyOutDir'], {
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
      else reject(new Error(`vite build of the ${page.title} page failed (${signal ?? `exit ${code}`}):\n${output.trim().split('\n').slice(-40).join('\n')}`));
    });
  });
}

/**
 * Builds one page unless its bundle was built from exactly the current
 * sources. The new bundle is built beside the old one and swapped in, so a
 * server running meanwhile never serves half of one.
 */
async function ensurePageBuilt(page: PageBundle, log: (line: string) => void, force: boolean): Promise<boolean> {
  const dir = page.buildDir;
  const hash = pageSourceHash(page);
  if (!force && builtHash(dir) === hash) return false;

  const started = Date.now();
  log(existsSync(dir) && !force ? `the ${page.title} page changed: rebuilding it` : `building the ${page.title} page`);
  const fresh = `${dir}.new-${process.pid}`;
  const old = `${dir}.old-${process.pid}`;
  try {
    await runVite(page, fresh);
    await writeFile(path.join(fresh, STAMP_FILE), hash + '\n');
    if (existsSync(dir)) await rename(dir, old);
    try {
      await rename(fresh, dir);
    } catch (err) {
      // Another process (a second test file) swapped in its own build between
      // the two renames: built from the same sources, it is as good as ours.
      if (builtHash(dir) !== hash) throw err;
    }
  } finally {
    await rm(fresh, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
  }
  log(`${page.title} page built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${path.relative(ROOT, dir)}/`);
  return true;
}

/**
 * Builds every page whose bundle is missing or stale (every page with
 * `force`), one after another: each Vite build takes a core. `only` names
 * the pages a caller needs (a test of one page need not wait for Monaco's build).
 */
export async function ensurePagesBuilt(log: (line: string) => void = () => {}, { force = false, only }: { force?: boolean; only?: string[] } = {}): Promise<{ built: string[] }> {
  const built: string[] = [];
  for (const page of PAGES.filter((p) => !only || only.includes(p.name))) if (await ensurePageBuilt(page, log, force)) built.push(page.name);
  return { built };
}

if (require.main === module) {
  ensurePagesBuilt((line) => process.stdout.write(line + '\n'), { force: process.argv.includes('--force') })
    .then(({ built }) => {
      for (const page of PAGES.filter((p) => !built.includes(p.name))) process.stdout.write(`${page.title} page up to date: ${path.relative(ROOT, page.buildDir)}/\n`);
    })
    .catch((err) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
