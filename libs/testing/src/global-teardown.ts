export default async function globalTeardown(): Promise<void> {
  const handles = (globalThis as Record<string, unknown>).__GP_TEST_SERVERS__ as Record<string, { dispose(): Promise<void> }> | undefined;
  if (!handles) return;
  await Promise.all(Object.values(handles).map((h) => h.dispose()));
}
