import { ValidateBy, type ValidationOptions } from 'class-validator';

/** A workspace's settings nest at most this many levels of objects and arrays (the settings object itself is one). */
export const SETTINGS_MAX_DEPTH = 8;
/** The settings' size as JSON, in UTF-8 bytes. */
export const SETTINGS_MAX_BYTES = 16 * 1024;

/** What is wrong with a settings value, as the message says it; undefined when nothing is. */
export function settingsProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'settings must be a JSON object (send {} to clear the settings)';
  }
  if (depthOf(value) > SETTINGS_MAX_DEPTH) return `settings must not nest more than ${SETTINGS_MAX_DEPTH} levels of objects and arrays`;
  if (Buffer.byteLength(JSON.stringify(value)) > SETTINGS_MAX_BYTES) return `settings must be at most ${SETTINGS_MAX_BYTES} bytes as JSON`;
  return undefined;
}

/** Levels of objects and arrays; the body parser has already bounded the recursion. */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let deepest = 0;
  for (const item of Object.values(value)) deepest = Math.max(deepest, depthOf(item));
  return deepest + 1;
}

/** Free-form workspace settings, bounded in depth and size (a JSON object; `null` is refused). */
export function IsWorkspaceSettings(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWorkspaceSettings',
      validator: {
        validate: (value: unknown) => settingsProblem(value) === undefined,
        defaultMessage: (args) => settingsProblem(args?.value) ?? 'settings is invalid',
      },
    },
    options,
  );
}
