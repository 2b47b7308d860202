import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ENV_VARIABLES, loadEnv } from '../lib/env';
import { ENV_DOCS } from '../lib/env-docs';
import { ENV_EXAMPLE_PATH, README_PATH, renderEnvExample, renderReadme } from '../scripts/env-docs';

/** The configuration documentation cannot drift from what lib/env.ts reads. */
describe('environment documentation', () => {
  const documented = ENV_DOCS.flatMap((d) => d.names.map((name) => ({ name, doc: d })));

  it('documents every variable lib/env.ts reads, once, and nothing it does not read', () => {
    const names = documented.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(documented.filter((d) => !d.doc.testsOnly).map((d) => d.name).sort()).toEqual([...ENV_VARIABLES].sort());
  });

  it('names each parsed default verbatim in the documented default', () => {
    const defaults = loadEnv({}) as Record<string, unknown>;
    const disagreements = documented
      .filter(({ name }) => defaults[name] !== undefined)
      .filter(({ name, doc }) => !doc.default.includes(String(defaults[name])))
      .map(({ name, doc }) => `${name}: parsed ${String(defaults[name])}, documented "${doc.default}"`);
    expect(disagreements).toEqual([]);
  });

  it('documents test-only variables that the tests really read', () => {
    const sources = readdirSync(__dirname, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(path.join(__dirname, f), 'utf8'))
      .join('\n');
    for (const { name } of documented.filter((d) => d.doc.testsOnly)) expect(sources).toContain(`process.env.${name}`);
  });

  it('keeps the README table and .env.example as scripts/env-docs.ts writes them', () => {
    expect(readFileSync(README_PATH, 'utf8')).toBe(renderReadme(readFileSync(README_PATH, 'utf8')));
    expect(readFileSync(ENV_EXAMPLE_PATH, 'utf8')).toBe(renderEnvExample());
  });

  it('gives a .env.example that loads as it stands', () => {
    const assignments = Object.fromEntries(
      readFileSync(ENV_EXAMPLE_PATH, 'utf8')
        .split('\n')
        .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(Object.keys(assignments).length).toBeGreaterThan(20);
    expect(loadEnv(assignments)).toMatchObject(loadEnv({}));
  });
});
