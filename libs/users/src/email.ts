/**
 * Characters refused anywhere in an email: controls (C0, DEL, C1) and the zero-width ones
 * (U+200B–U+200D, U+2060, U+FEFF). They are invisible, so two addresses that look the same
 * could be different accounts.
 */
const FORBIDDEN_EMAIL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200d\u2060\ufeff]/u;

export const EMAIL_CHARACTERS_MESSAGE = 'email must not contain control or zero-width characters';

export function hasForbiddenEmailCharacters(email: string): boolean {
  return FORBIDDEN_EMAIL_CHARACTERS.test(email);
}

/**
 * The form emails are stored and compared in: trimmed, lower case, Unicode NFC (so `é` typed as
 * one code point or as `e` + a combining accent is the same address).
 */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase().normalize('NFC');
}
