/** GET /v1/features/{key}/input-schema: the installed feature's attribute contract, read from the graph. */
export const INSTALLED_FEATURE = `query RestInstalledFeature($key: String!) {
  installedFeature(key: $key) { key inputSchema packageVersion { id version package { slug } } } }`;

type GraphFeature = { key: string; inputSchema: unknown; packageVersion: { id: string; version: string; package: { slug: string } } };

/** The contract as REST clients see it: which version it belongs to, and the JSON Schema itself. */
export function restInputSchema(f: GraphFeature) {
  return {
    feature: f.key,
    package_version: { id: f.packageVersion.id, version: f.packageVersion.version, package: f.packageVersion.package.slug },
    input_schema: f.inputSchema,
  };
}
