/**
 * Writes the README's configuration table and .env.example from
 * lib/env-docs.ts, so neither drifts from what lib/env.ts reads.
 * `--check` fails instead of writing when either is stale.
 *
 *   tsx scripts/env-docs.ts [--check]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ENV_DOCS } from '../lib/env-docs';
import { loadEnv } from '../lib/env';

const ROOT = path.resolve(__dirname, '..');
export const README_PATH = path.join(ROOT, 'README.md');
export const ENV_EXAMPLE_PATH = path.join(ROOT, '.env.example');
const BEGIN = '<!-- configuration table: written by scripts/env-docs.ts from lib/env-docs.ts -->';
const END = '<!-- end of configuration table -->';

export function renderTable(): string {
  const rows = ENV_DOCS.map((d) => `| ${d.names.map((n) => `\`${n}\``).join(', ')} | ${d.default} | ${d.usedBy} | ${d.meaning} |`);
  return ['| variable | default | used by | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** The README with its table between the markers replaced. */
export function renderReadme(readme: string): string {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no configuration table markers (${BEGIN} … ${END})`);
  return `${readme.slice(0, begin)}${BEGIN}\n${renderTable()}\n${readme.slice(end)}`;
}

const plain = (markdown: string) => markdown.replace(/`/g, '');

/**
 * Every variable with its default: set to the parsed default where lib/env.ts
 * has one, commented out where unset means something (the comment says what).
 */
export function renderEnvExample(): string {
  const defaults = loadEnv({}) as Record<string, unknown>;
  const lines = [
    '# Every environment variable, with its default (lib/env-docs.ts; written by scripts/env-docs.ts).',
    '# Everything is optional: `npm start` runs on these defaults with an embedded database.',
    '# Copy to .env and export it (the processes read the environment, not this file).',
  ];
  for (const doc of ENV_DOCS) {
    lines.push('', `# ${plain(doc.meaning)}`, `# Default: ${plain(doc.default)}. Used by: ${plain(doc.usedBy)}.${doc.testsOnly ? ' (tests only)' : ''}`);
    for (const name of doc.names) {
      const value = defaults[name];
      lines.push(value === undefined ? `# ${name}=` : `${name}=${String(value)}`);
    }
  }
  return lines.join('\n') + '\n';
}

function main(): void {
  const outputs = [
    { path: README_PATH, text: renderReadme(readFileSync(README_PATH, 'utf8')) },
    { path: ENV_EXAMPLE_PATH, text: renderEnvExample() },
  ];
  if (process.argv.includes('--check')) {
    const stale = outputs.filter((o) => readFileSync(o.path, { encoding: 'utf8', flag: 'a+' }) !== o.text);
    for (const o of stale) console.error(`${path.relative(ROOT, o.path)} is stale: run \`npm run generate:env\` and commit it`);
    if (stale.length > 0) process.exit(1);
    console.log('README configuration table and .env.example are up to date');
    return;
  }
  for (const o of outputs) writeFileSync(o.path, o.text);
  console.log('wrote the README configuration table and .env.example');
}

if (require.main === module) main();
