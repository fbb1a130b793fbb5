import { z } from 'zod';

/** What the example app reads from its environment, validated once at start-up. */
export interface ExampleSettings {
  /** Where the app reaches Gatehouse (its metadata, keys and introspection). */
  gatehouseUrl: string;
  host: string;
  port: number;
  /** The app's external base URL: the MCP resource URI and the metadata documents are built on it. */
  publicUrl: string;
  /** A client registered with `gatehouse client create`: with it, every token is also introspected. */
  introspectionClient: { id: string; secret: string } | undefined;
}

const httpUrl = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .refine((value) => URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol), {
      error: `${name} must be an http(s) URL`,
    })
    .transform((value) => value.replace(/\/+$/, ''));

const schema = z.object({
  GATEHOUSE_URL: httpUrl('GATEHOUSE_URL').default('http://127.0.0.1:3000'),
  EXAMPLE_HOST: z.string().min(1, { error: 'EXAMPLE_HOST must not be empty' }).default('127.0.0.1'),
  EXAMPLE_PORT: z.coerce
    .number({ error: 'EXAMPLE_PORT must be an integer from 1 to 65535' })
    .int({ error: 'EXAMPLE_PORT must be an integer from 1 to 65535' })
    .min(1, { error: 'EXAMPLE_PORT must be an integer from 1 to 65535' })
    .max(65535, { error: 'EXAMPLE_PORT must be an integer from 1 to 65535' })
    .default(3001),
  EXAMPLE_PUBLIC_URL: httpUrl('EXAMPLE_PUBLIC_URL').optional(),
  EXAMPLE_CLIENT_ID: z.string().min(1, { error: 'EXAMPLE_CLIENT_ID must not be empty' }).optional(),
  EXAMPLE_CLIENT_SECRET: z.string().min(1, { error: 'EXAMPLE_CLIENT_SECRET must not be empty' }).optional(),
});

/** The settings, or every problem with them at once (one line each, naming the variable). */
export function readSettings(
  env: Record<string, string | undefined> = process.env,
): { ok: true; settings: ExampleSettings } | { ok: false; problems: string[] } {
  const parsed = schema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
  if ((env.EXAMPLE_CLIENT_ID === undefined) !== (env.EXAMPLE_CLIENT_SECRET === undefined)) {
    problems.push('EXAMPLE_CLIENT_ID and EXAMPLE_CLIENT_SECRET go together: set both (introspection on) or neither');
  }
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  const values = parsed.data;
  return {
    ok: true,
    settings: {
      gatehouseUrl: values.GATEHOUSE_URL,
      host: values.EXAMPLE_HOST,
      port: values.EXAMPLE_PORT,
      publicUrl: values.EXAMPLE_PUBLIC_URL ?? `http://127.0.0.1:${values.EXAMPLE_PORT}`,
      introspectionClient:
        values.EXAMPLE_CLIENT_ID === undefined || values.EXAMPLE_CLIENT_SECRET === undefined
          ? undefined
          : { id: values.EXAMPLE_CLIENT_ID, secret: values.EXAMPLE_CLIENT_SECRET },
    },
  };
}
