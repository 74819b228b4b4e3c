import { createHash } from 'node:crypto';
import type { HubConfig } from '../config/hub-config.js';
import { html, SafeHtml } from './html.js';

/**
 * The one layout of every page for people (home, federation tester, confirmation pages): one inline stylesheet
 * that the CSP admits by hash, no scripts, no external assets. Colours meet WCAG 2.2 AA: text ≥ 4.5:1, the focus
 * ring ≥ 3:1 against what surrounds it.
 */
const STYLE = `*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;color:#1b1b1b;background:#f4f5f7}
header{background:#0b3d91;padding:.75rem 1rem}header a{color:#fff;font-weight:700;text-decoration:none;font-size:1.1rem}
main{display:block;max-width:48rem;margin:1rem auto;background:#fff;padding:1.25rem;border-radius:.5rem;box-shadow:0 1px 3px #0003}
footer{max-width:48rem;margin:0 auto 2rem;padding:0 1rem;color:#404040;font-size:.95rem}
h1{font-size:1.5rem;margin-top:0;line-height:1.25;overflow-wrap:anywhere}h2{font-size:1.2rem;margin:1.75rem 0 .5rem}
h3{font-size:1.05rem;margin:1.25rem 0 .25rem;overflow-wrap:anywhere}a{color:#0b5cad}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.25rem 1rem;margin:.5rem 0}
dt{font-weight:600}dd{margin:0;min-width:0;overflow-wrap:anywhere}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}code{overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f5f7;padding:.5rem .75rem;border-radius:.25rem;margin:.25rem 0}
.fp span{white-space:nowrap}
button{font:inherit;font-size:1.05rem;padding:.55rem 1.3rem;border:0;border-radius:.4rem;background:#0b5cad;color:#fff;cursor:pointer}
label{display:block;font-weight:600;margin-bottom:.25rem}
input{font:inherit;padding:.45rem .6rem;border:1px solid #6b6b6b;border-radius:.3rem;min-width:0;flex:1 1 14rem}
.field{display:flex;gap:.5rem;flex-wrap:wrap}
a:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid #0b3d91;outline-offset:2px}
header a:focus-visible{outline-color:#fff}
.note{color:#404040;font-size:.95rem}
.warn{border-left:4px solid #b54708;background:#fff6ed;padding:.5rem .75rem;margin:1rem 0}
.verdict{border-left:4px solid;padding:.5rem .75rem;margin:1rem 0;font-weight:600}
.ok{color:#1a7f37}.bad{color:#b42318}.unknown{color:#8a4b00}
.verdict.ok{background:#edf7ee}.verdict.bad{background:#fdeeed}.verdict.unknown{background:#fff6ed}
.row{border-top:1px solid #d0d4da;padding:.5rem 0}
@media (max-width:30rem){dl{grid-template-columns:minmax(0,1fr)}dd{margin-bottom:.5rem}main{margin:.5rem;padding:1rem}}`;

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

/** Who runs this hub, as every page and email shows it. */
export interface HubIdentity {
  name: string;
  /** An email address (possibly "Name <address>") or an http(s) URL. */
  operatorContact: string;
  publicUrl: string;
}

export function hubIdentity(config: Pick<HubConfig, 'hubName' | 'hubOperatorContact' | 'publicUrl'>): HubIdentity {
  return { name: config.hubName, operatorContact: config.hubOperatorContact, publicUrl: config.publicUrl };
}

/** The operator contact as a link: mailto: for an address, the URL itself otherwise. */
export function operatorLink(hub: HubIdentity): SafeHtml {
  const contact = hub.operatorContact;
  if (/^https?:\/\//.test(contact)) return html`<a href="${contact}">${contact}</a>`;
  const address = /<([^>]+)>/.exec(contact)?.[1] ?? contact;
  return html`<a href="mailto:${address}">${contact}</a>`;
}

export interface PageOptions {
  /** Search engines may index the home page; confirmation pages and test results are nobody's business. */
  indexable?: boolean;
}

export function renderPage(hub: HubIdentity, title: string, content: SafeHtml, options: PageOptions = {}): string {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${options.indexable ? '' : new SafeHtml('<meta name="robots" content="noindex">')}<title>${title} · ${hub.name}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml"><style>${new SafeHtml(STYLE)}</style></head>
<body><header><a href="/">${hub.name}</a></header>
<main>${content}</main>
<footer><p>${hub.name} is run by ${operatorLink(hub)}.
<a href="/">Home</a> · <a href="/check">Test a server</a> · <a href="/docs">API docs</a> · <a href="/.well-known/jwks.json">Signing keys (JWKS)</a></p></footer>
</body>
</html>`.value;
}
