// Nested resources with structural teardown: acquire, use, then release whatever happened in between,
// without flags that track how far a resource got.

/**
 * Acquires a resource, runs `use` with it and releases it afterwards, also when `use` failed. When `use`
 * failed, an error from `release` goes to `onReleaseError` and `use`'s error is the one thrown (the first
 * failure is the cause); when `use` succeeded, an error from `release` is the error. Nothing is released
 * when `acquire` itself fails.
 */
export async function withResource<R, T>(
  acquire: () => Promise<R>,
  use: (resource: R) => Promise<T>,
  release: (resource: R) => Promise<void>,
  onReleaseError: (err: unknown) => void = () => {},
): Promise<T> {
  const resource = await acquire();
  let result: T;
  try {
    result = await use(resource);
  } catch (err) {
    await release(resource).catch(onReleaseError);
    throw err;
  }
  await release(resource);
  return result;
}
