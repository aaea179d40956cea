// Redis for tests that need it: its URL when the local server answers, else undefined (the test
// skips with a message). With GATEHOUSE_REQUIRE_SERVICES=1 (CI) a missing Redis fails instead.
import { Redis } from 'ioredis';

export async function redisUrl(): Promise<string | undefined> {
  const url = process.env.GATEHOUSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    await client.ping();
    return url;
  } catch {
    if (process.env.GATEHOUSE_REQUIRE_SERVICES === '1')
      throw new Error(`Redis is not reachable at ${url}, and GATEHOUSE_REQUIRE_SERVICES=1 requires it`);
    return undefined;
  } finally {
    client.disconnect();
  }
}
