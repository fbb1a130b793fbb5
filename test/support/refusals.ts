import { DomainError, type DomainErrorKind } from '@app/errors';

/**
 * Asserts that `action` is refused with a domain error of this class and kind (the kind is what
 * the HTTP error filter turns into the status); resolves to the error for further checks.
 */
export async function expectRefusal(
  action: Promise<unknown>,
  type: abstract new (...args: never[]) => DomainError,
  kind: DomainErrorKind,
): Promise<DomainError> {
  const outcome = await action.then(
    (value: unknown) => ({ refused: false as const, value }),
    (error: unknown) => ({ refused: true as const, error }),
  );
  if (!outcome.refused) throw new Error(`Expected a ${type.name}, but the action succeeded with ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(type);
  expect((outcome.error as DomainError).kind).toBe(kind);
  return outcome.error as DomainError;
}
