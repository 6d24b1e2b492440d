// Signing in inside a cross-site iframe.
//
// No cookies: browsers block third-party cookies, and the embed always runs cross-site.
// Sign-in returns a bearer token that lives in this frame's session storage (partitioned
// by the host site, so it survives a reload of the host page but is never shared with
// another site) or, where storage is blocked too, only in memory.

const KEY = 'callbar.session';

/** @type {{ token: string, expiresAt: number } | null} */
let memory = null;

/** @returns {Storage | null} */
function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** The saved session, if it has not expired. */
export function savedSession() {
  let saved = memory;
  try {
    const raw = storage()?.getItem(KEY);
    if (raw) saved = JSON.parse(raw);
  } catch {
    // Unreadable storage: fall back to memory.
  }
  if (!saved || typeof saved.token !== 'string' || !(saved.expiresAt > Date.now())) return null;
  return saved;
}

/** @param {{ token: string, expiresAt: number } | null} session */
function save(session) {
  memory = session;
  try {
    if (session) storage()?.setItem(KEY, JSON.stringify(session));
    else storage()?.removeItem(KEY);
  } catch {
    // Storage blocked: memory only.
  }
}

export class SignInError extends Error {
  /**
   * @param {string} message
   * @param {number} [retryAfter] seconds until another attempt is allowed
   */
  constructor(message, retryAfter) {
    super(message);
    this.retryAfter = retryAfter;
  }
}

/**
 * @param {string} email
 * @param {string} password
 */
export async function signIn(email, password) {
  let response;
  try {
    response = await fetch('/api/v1/sessions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
      credentials: 'omit',
    });
  } catch {
    throw new SignInError('Cannot reach the Callbar server. Check your connection and try again.');
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const retry = Number(response.headers.get('Retry-After')) || undefined;
    throw new SignInError(body?.error?.message || `Sign-in failed (${response.status}).`, retry);
  }
  save({ token: body.token, expiresAt: body.expiresAt });
  return savedSession();
}

/** Ends the session on the server (best effort) and forgets it here. */
export async function signOut() {
  const session = savedSession();
  save(null);
  if (!session) return;
  try {
    await fetch('/api/v1/sessions/current', {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${session.token}` },
      credentials: 'omit',
    });
  } catch {
    // The server forgets it at expiry anyway.
  }
}

/** Forgets the session without telling the server (it already ended there). */
export function forgetSession() {
  save(null);
}
