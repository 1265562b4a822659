import type { NextFunction, Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';

export interface BasicAuthCredentials {
  user: string;
  password: string;
}

/** Hashing first gives equal-length buffers, so the comparison takes the same time whatever the guess. */
const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
const sameText = (given: string, expected: Buffer) => timingSafeEqual(digest(given), expected);

/** The user and password of an `Authorization: Basic …` header, or undefined when there is none. */
export function parseBasicAuth(header: string | undefined): BasicAuthCredentials | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Express middleware asking for HTTP basic auth (RFC 7617): a request without the right user and
 * password gets 401 with `WWW-Authenticate`, so a browser prompts for them. Both are compared in
 * constant time, and both always, so the answer's timing tells nothing about which was wrong.
 */
export function basicAuth(credentials: BasicAuthCredentials, realm: string) {
  const user = digest(credentials.user);
  const password = digest(credentials.password);
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = parseBasicAuth(req.headers.authorization);
    const userOk = sameText(given?.user ?? '', user);
    const passwordOk = sameText(given?.password ?? '', password);
    if (given && userOk && passwordOk) {
      next();
      return;
    }
    res
      .status(401)
      .set('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`)
      .set('Cache-Control', 'no-store')
      .json({ error: 'unauthorized', message: given ? 'wrong user or password' : 'this page needs a user and password (HTTP basic auth)' });
  };
}
