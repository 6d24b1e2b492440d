// Signing in inside a cross-site iframe.
//
// Browsers block third-party cookies there, and with them the frame's storage. Sign-in
// returns a token, which this module keeps in memory for the agent channel's `hello`, and
// sets a partitioned cookie (CHIPS), which browsers keep even then, for this host site
// only. After a reload of the host page the cookie resumes the session; the token is not
// needed (and is never stored where scripts could find it later).

/** @type {{ token: string | null, expiresAt: number } | null} */
let current = null;

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
 * @returns {Promise<{ token: string | null, expiresAt: number }>}
 */
export async function signIn(email, password) {
  let response;
  try {
    response = await fetch('/api/v1/sessions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
  } catch {
    throw new SignInError('Cannot reach the Callbar server. Check your connection and try again.');
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const retry = Number(response.headers.get('Retry-After')) || undefined;
    throw new SignInError(body?.error?.message || `Sign-in failed (${response.status}).`, retry);
  }
  current = { token: body.token, expiresAt: body.expiresAt };
  return current;
}

/**
 * The session this frame can continue: the one signed in here, or the one the session
 * cookie holds (after a reload). `null` when the agent must sign in.
 * @returns {Promise<{ token: string | null, expiresAt: number } | null>}
 */
export async function resumeSession() {
  if (current && current.expiresAt > Date.now()) return current;
  try {
    const response = await fetch('/api/v1/me');
    if (!response.ok) return null;
    const body = await response.json();
    current = { token: null, expiresAt: body.sessionExpiresAt };
    return current;
  } catch {
    return null;
  }
}

/**
 * Ends the session on the server. Resolves to whether the server confirmed; either way
 * this frame forgets it.
 */
export async function signOut() {
  const token = current?.token;
  current = null;
  try {
    const response = await fetch('/api/v1/sessions/current', {
      method: 'DELETE',
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
    return response.ok;
  } catch {
    return false;
  }
}

/** Forgets the session without telling the server (it already ended there). */
export function forgetSession() {
  current = null;
}
