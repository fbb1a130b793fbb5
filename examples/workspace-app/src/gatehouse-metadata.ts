import { z } from 'zod';

/** The part of Gatehouse's RFC 8414 metadata the app needs to verify tokens. */
export interface GatehouseMetadata {
  /** Where the document was read: `<GATEHOUSE_URL>/.well-known/oauth-authorization-server`. */
  url: string;
  issuer: string;
  /**
   * Gatehouse as clients name it (RFC 9728's `authorization_servers`, the agent card): the issuer
   * when it is an http(s) URL, as in production (`JWT_ISSUER` = `PUBLIC_URL`), otherwise (a
   * development issuer such as `gatehouse-local`) the URL the metadata was read from.
   */
  authorizationServer: string;
  jwksUri: string;
  tokenEndpoint: string;
  introspectionEndpoint: string | undefined;
}

const document = z.object({
  issuer: z.string().min(1),
  jwks_uri: z.url(),
  token_endpoint: z.url(),
  introspection_endpoint: z.url().optional(),
});

const ATTEMPTS = 30;

/**
 * Reads Gatehouse's authorization-server metadata (RFC 8414), trying again for a while when
 * Gatehouse does not answer yet (it may still be starting, e.g. under `docker compose up`).
 */
export async function discoverGatehouse(gatehouseUrl: string, log: (line: string) => void = () => undefined): Promise<GatehouseMetadata> {
  const url = `${gatehouseUrl}/.well-known/oauth-authorization-server`;
  for (let attempt = 1; ; attempt++) {
    let problem: string;
    try {
      const response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5000) });
      if (response.ok) {
        const parsed = document.safeParse(await response.json());
        if (!parsed.success) throw new Error(`${url} is not authorization-server metadata: ${z.prettifyError(parsed.error)}`);
        return {
          url,
          issuer: parsed.data.issuer,
          authorizationServer: isHttpUrl(parsed.data.issuer) ? parsed.data.issuer.replace(/\/+$/, '') : gatehouseUrl,
          tokenEndpoint: parsed.data.token_endpoint,
          jwksUri: parsed.data.jwks_uri,
          introspectionEndpoint: parsed.data.introspection_endpoint,
        };
      }
      // A 4xx will not get better by waiting (outside dev, Gatehouse answers 404 until PUBLIC_URL is set).
      if (response.status < 500) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
      problem = `answered ${response.status}`;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith(url)) throw error;
      problem = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    }
    if (attempt >= ATTEMPTS) throw new Error(`Gatehouse's metadata at ${url} could not be read: ${problem}`);
    log(`Waiting for Gatehouse at ${url} (${problem})`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol);
}
