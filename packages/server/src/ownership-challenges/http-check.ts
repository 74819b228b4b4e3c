import { httpChallengeUrl } from './challenge-token.js';
import { carriesToken, type Finding, quote } from './finding.js';
import type { FetchOutcome } from './safe-fetch.js';

/**
 * The http method: `http://<domain>/.well-known/federation-hub/<id>` must answer 200 with the challenge value (a
 * trailing newline or spaces allowed). Fetched under safeFetch's rules; a redirect to https on the same domain is
 * followed. When port 80 does not answer at all (refused, reset, unreachable: not a time-out, which already used the
 * deadline), https on port 443 is tried directly.
 */
export async function checkHttpChallenge(
  fetch: (url: string) => Promise<FetchOutcome>,
  domain: string,
  httpId: string,
  tokenHash: Buffer,
  options: { httpsFallback: boolean },
): Promise<Finding> {
  const url = httpChallengeUrl(domain, httpId);
  let outcome = await fetch(url);
  if (!outcome.ok && !outcome.refused && options.httpsFallback && /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH/.test(outcome.detail)) {
    const secure = await fetch(url.replace(/^http:/, 'https:'));
    if (secure.ok || secure.refused) outcome = secure;
    else return { passed: false, detail: `${outcome.detail}; then ${secure.detail}` };
  }
  if (!outcome.ok) return { passed: false, detail: outcome.detail };
  if (outcome.status !== 200) return { passed: false, detail: `HTTP ${outcome.status} from ${outcome.url}` };
  const body = outcome.body.replace(/[\r\n\t ]+$/, '');
  if (carriesToken(body, tokenHash)) return { passed: true, detail: `found the expected body at ${outcome.url}` };
  return { passed: false, detail: `body differs at ${outcome.url}: got ${quote(body)}` };
}
