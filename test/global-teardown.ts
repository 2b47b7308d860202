export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __testDatabaseCleanup?: () => Promise<void> }).__testDatabaseCleanup?.();
}
