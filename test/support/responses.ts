/**
 * Asserts the one error shape every Gatehouse error response has. `message`: the exact message,
 * the exact list of a validation error's messages, or a pattern.
 */
export async function expectError(response: Response, statusCode: number, message: string | string[] | RegExp): Promise<void> {
  const body = (await response.json()) as { statusCode: number; error: string; message: unknown };
  expect(response.status).toBe(statusCode);
  expect(Object.keys(body).sort()).toEqual(['error', 'message', 'statusCode']);
  expect(body.statusCode).toBe(statusCode);
  expect(typeof body.error).toBe('string');
  if (typeof message === 'string') expect(body.message).toBe(message);
  else if (Array.isArray(message)) expect(body.message).toEqual(message);
  else expect(String(body.message)).toMatch(message);
  expect(JSON.stringify(body)).not.toMatch(/\n\s+at /);
}

/** Asserts a 429 in the common shape, with a `Retry-After` of whole seconds from 1 to `maxSeconds` that its message repeats. */
export async function expectTooManyRequests(response: Response, maxSeconds: number): Promise<void> {
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
  await expectError(response, 429, `Too many requests; retry in ${retryAfter} seconds`);
}
