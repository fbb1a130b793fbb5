/** The PostgreSQL channel revocations are announced on (LISTEN/NOTIFY). */
export const REVOCATION_CHANNEL = 'gatehouse_session_revoked';
/** NOTIFY payloads must stay under 8000 bytes: 150 ids of 37 characters. */
const IDS_PER_NOTIFICATION = 150;

/** Announces revoked session ids; run it inside the transaction that revokes them (delivered on commit). */
export async function announceRevocations(
  query: (sql: string, parameters: unknown[]) => Promise<unknown>,
  sessionIds: readonly string[],
): Promise<void> {
  for (let start = 0; start < sessionIds.length; start += IDS_PER_NOTIFICATION) {
    const chunk = sessionIds.slice(start, start + IDS_PER_NOTIFICATION).join(',');
    await query('SELECT pg_notify($1, $2)', [REVOCATION_CHANNEL, chunk]);
  }
}

/** The session ids of one announcement. */
export function parseAnnouncement(payload: string): string[] {
  return payload.split(',').filter((id) => id !== '');
}
