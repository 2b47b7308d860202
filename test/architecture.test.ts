import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The rules of the house that the compiler cannot hold: which folder may
 * import which, which module writes the audit tables, which modules read
 * another domain's tables, and where error codes are spelled. They read the
 * source as text, so a rule broken in a new file fails here.
 */
const ROOT = path.resolve(__dirname, '..');

function sourceFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) {
        if (entry !== 'node_modules' && entry !== '__generated__') walk(full);
      } else if (entry.endsWith('.ts')) out.push(full);
    }
  };
  walk(path.join(ROOT, folder));
  return out;
}

const isTest = (file: string) => file.includes(`${path.sep}__tests__${path.sep}`);
const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');

/** The server code: what runs in the gateway and the subgraphs, tests aside. */
const SERVER_FILES = ['gateway', 'subgraphs', 'lib'].flatMap(sourceFiles).filter((f) => !isTest(f));
const ALL_RUNTIME_FILES = [...SERVER_FILES, ...['dev', 'scripts', 'system', 'bench'].flatMap(sourceFiles).filter((f) => !isTest(f))];

/** Every relative import of a file, resolved to a path under the root. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specs.map((spec) => rel(path.resolve(path.dirname(file), spec)));
}

/** Text with comments removed, so a rule is about code, not about prose that names a table. */
function code(file: string): string {
  return readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('the folders', () => {
  it('no gateway, subgraph or lib module imports development tooling (dev/)', () => {
    const offenders = SERVER_FILES.flatMap((file) => importsOf(file).filter((target) => target.startsWith('dev/')).map((target) => `${rel(file)} -> ${target}`));
    expect(offenders).toEqual([]);
  });

  it('lib/ imports nothing from the gateway, the subgraphs or the system', () => {
    const offenders = sourceFiles('lib')
      .filter((f) => !isTest(f))
      .flatMap((file) => importsOf(file).filter((t) => /^(gateway|subgraphs|system|scripts)\//.test(t)).map((t) => `${rel(file)} -> ${t}`));
    expect(offenders).toEqual([]);
  });

  it('a subgraph imports no other subgraph and not the gateway', () => {
    const offenders = sourceFiles('subgraphs')
      .filter((f) => !isTest(f) && rel(f) !== 'subgraphs/registry.ts')
      .flatMap((file) => {
        const own = rel(file).split('/')[1];
        return importsOf(file)
          .filter((t) => t.startsWith('gateway/') || (t.startsWith('subgraphs/') && t.split('/')[1] !== own))
          .map((t) => `${rel(file)} -> ${t}`);
      });
    expect(offenders).toEqual([]);
  });

  it('the gateway imports no subgraph code', () => {
    const offenders = sourceFiles('gateway').flatMap((file) => importsOf(file).filter((t) => t.startsWith('subgraphs/')).map((t) => `${rel(file)} -> ${t}`));
    expect(offenders).toEqual([]);
  });
});

const AUDIT_TABLE_WRITE = /\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE|ALTER\s+TABLE)\s+"?(audit_events|audit_checkpoints)\b|\.(auditEvent|auditCheckpoint)\.(create|createMany|update|updateMany|upsert|delete|deleteMany)\b/i;

describe('the audit log', () => {
  it('is written by lib/audit-log/ alone (and by the demo-data loader in dev/seed/)', () => {
    // The seeder bulk-loads decisions with both of their events in one
    // statement (16k decisions/s at 1M) and resets development databases;
    // it chains its events with lib/audit-log's ChainLinker, and its test
    // verifies every chain it writes.
    const allowed = (file: string) => rel(file).startsWith('lib/audit-log/') || rel(file).startsWith('dev/seed/');
    const writers = ALL_RUNTIME_FILES.filter((file) => !allowed(file) && AUDIT_TABLE_WRITE.test(code(file))).map(rel);
    expect(writers).toEqual([]);
  });

  it('the rule above sees a write when there is one', () => {
    expect(AUDIT_TABLE_WRITE.test('await pool.query(`INSERT INTO audit_events (id) VALUES ($1)`)')).toBe(true);
    expect(AUDIT_TABLE_WRITE.test('UPDATE "audit_checkpoints" SET seq = 0')).toBe(true);
    expect(AUDIT_TABLE_WRITE.test('prisma.auditEvent.create({ data })')).toBe(true);
    expect(AUDIT_TABLE_WRITE.test('SELECT * FROM audit_events')).toBe(false);
  });
});

/** The tables each domain owns; a table is read from another domain only where the list below says. */
const OWNER: Record<string, string> = {
  tenants: 'tenants',
  api_keys: 'tenants',
  packages: 'packages',
  package_versions: 'packages',
  features: 'packages',
  installations: 'packages',
  decisions: 'decisions',
  audit_events: 'audit',
  audit_checkpoints: 'audit',
};
const PRISMA_MODELS: Record<string, string> = {
  tenant: 'tenants', apiKey: 'api_keys', package: 'packages', packageVersion: 'package_versions', feature: 'features',
  installation: 'installations', decision: 'decisions', auditEvent: 'audit_events', auditCheckpoint: 'audit_checkpoints',
};

/** The modules that read another domain's tables on purpose; each says why in its own comment. */
const CROSS_DOMAIN_READS: Record<string, string[]> = {
  'subgraphs/decisions/policy-catalog.ts': ['tenants', 'installations', 'features'],
  'gateway/auth/credentials-read.ts': ['api_keys', 'tenants'],
};

function tablesTouched(file: string): Set<string> {
  return tablesIn(code(file));
}

function tablesIn(text: string): Set<string> {
  const tables = new Set<string>();
  for (const m of text.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+"?([a-z_]+)"?/gi)) if (m[1]!.toLowerCase() in OWNER) tables.add(m[1]!.toLowerCase());
  for (const m of text.matchAll(/new KeysetTable(?:<[^>]*>)?\([^,]+,\s*'([a-z_]+)'/g)) tables.add(m[1]!);
  for (const m of text.matchAll(/\b(?:prisma|tx)\.(\w+)\.(?:find|create|update|upsert|delete|count|aggregate|groupBy)/g)) {
    const table = PRISMA_MODELS[m[1]!];
    if (table) tables.add(table);
  }
  return tables;
}

describe('domain tables', () => {
  it('a subgraph reads only its own tables, but for the named cross-domain reads', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles('subgraphs').filter((f) => !isTest(f))) {
      const domain = rel(file).split('/')[1];
      const allowed = new Set(CROSS_DOMAIN_READS[rel(file)] ?? []);
      for (const table of tablesTouched(file)) if (OWNER[table] !== domain && !allowed.has(table)) offenders.push(`${rel(file)} reads ${table}`);
    }
    expect(offenders).toEqual([]);
  });

  it('the gateway reads tables only through its credentials read (the audit log writes through lib/audit-log)', () => {
    const offenders = sourceFiles('gateway')
      .filter((file) => !CROSS_DOMAIN_READS[rel(file)])
      .flatMap((file) => [...tablesTouched(file)].map((table) => `${rel(file)} touches ${table}`));
    expect(offenders).toEqual([]);
  });

  it('every cross-domain read is in a file that says why it is not a federation call', () => {
    for (const file of Object.keys(CROSS_DOMAIN_READS)) {
      expect(readFileSync(path.join(ROOT, file), 'utf8')).toMatch(/federation call|service call|a call to the/i);
    }
  });

  it('the table rule sees SQL, keyset tables and Prisma models', () => {
    expect([...tablesIn('SELECT t.status FROM tenants t LEFT JOIN installations i ON i.tenant_id = t.id')]).toEqual(['tenants', 'installations']);
    expect([...tablesIn(`new KeysetTable(prisma, 'audit_events', COLUMNS)`)]).toEqual(['audit_events']);
    expect([...tablesIn('this.prisma.packageVersion.findMany({ where })')]).toEqual(['package_versions']);
    expect([...tablesIn('UPDATE api_keys SET revoked_at = now()')]).toEqual(['api_keys']);
  });
});

describe('error codes', () => {
  it('are spelled only in lib/errors.ts: everything else uses ErrorCode', () => {
    const bare = /\bcode:\s*'[A-Z][A-Z_]{2,}'|codedError\(\s*'|new RestError\(\s*['\d]/;
    const offenders = SERVER_FILES.filter((file) => rel(file) !== 'lib/errors.ts' && bare.test(code(file))).map(rel);
    expect(offenders).toEqual([]);
  });
});
