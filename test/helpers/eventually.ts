/**
 * Interactions are acknowledged before their work is done (that is the point of deferring), so a
 * test that checks the database after a click waits until the expectation holds, or fails with
 * the last error after `timeoutMs`.
 */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
