#!/usr/bin/env bash
# Fails when a committed generated file is stale: regenerates it and asks git
# whether anything changed.
#
# Prisma migrations vs schema.prisma is NOT checked here:
# `prisma migrate diff --from-migrations` needs a shadow database, and offline
# (driver adapter + wasm engine) it fails: on PostgreSQL 15 the adapter drops
# the shadow database while still connected to it, `--shadow-database-url` is
# refused with an adapter, and past that (tried with a patched adapter, and on
# PGlite) the engine cannot read the catalog back ("Column type 'char' could
# not be deserialized"). test/migrations.test.ts proves it in `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# A wildcard pathspec must match whole file paths, so a plain
# 'subgraphs/*/__generated__' silently matches nothing; :(glob) allows **.
GENERATED=(':(glob)subgraphs/*/__generated__/**' ':(glob)pages/__generated__/**' 'schema/supergraph.graphql' 'schema/api.graphql')
status=0

echo "== supergraph: scripts/compose.ts --check"
npx tsx scripts/compose.ts --check || status=1

echo "== configuration docs: scripts/env-docs.ts --check"
npx tsx scripts/env-docs.ts --check || status=1

echo "== resolver types, the pages' and the README's operations: npm run generate:types"
npm run --silent generate:types

if ! git diff --exit-code --stat -- "${GENERATED[@]}"; then
  echo "generated files differ from git: run \`npm run generate\` and commit the result" >&2
  status=1
fi
untracked=$(git ls-files --others --exclude-standard -- "${GENERATED[@]}")
if [[ -n "$untracked" ]]; then
  printf 'generated files not in git:\n%s\n`git add` them, or delete them if the generator no longer writes them\n' "$untracked" >&2
  status=1
fi

if [[ $status -eq 0 ]]; then echo "generated files are up to date"; fi
exit $status
