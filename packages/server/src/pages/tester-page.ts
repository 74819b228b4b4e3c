import { displayDomain } from '../common/display-domain.js';
import { timeElement } from '../common/facts.js';
import { html, type SafeHtml } from '../common/html.js';
import { type HubIdentity, renderPage } from '../common/page-layout.js';
import type { FederationTestReport, ReportRow, RowStatus, Verdict } from './federation-report.js';

const MARK: Record<RowStatus, { sign: string; word: string; style: string }> = {
  ok: { sign: '✓', word: 'Correct', style: 'ok' },
  wrong: { sign: '✗', word: 'Wrong', style: 'bad' },
  'could-not-check': { sign: '?', word: 'Could not check', style: 'unknown' },
  'not-registered': { sign: '–', word: 'Not registered', style: 'unknown' },
};

const VERDICT_STYLE: Record<Verdict, string> = { 'dns-and-hub': 'ok', dns: 'ok', hub: 'ok', none: 'bad', 'could-not-check': 'unknown' };

/** The tester's form: a plain GET form (no script), answered by a redirect to /check/<domain>. */
export function testerForm(value = ''): SafeHtml {
  return html`<form method="get" action="/check">
<label for="check-domain">Domain of a chat server</label>
<div class="field"><input id="check-domain" name="domain" type="text" inputmode="url" autocomplete="off" spellcheck="false" placeholder="chat.example.com" value="${value}" required>
<button type="submit">Test</button></div></form>`;
}

function row(item: ReportRow): SafeHtml {
  const mark = MARK[item.status];
  const title = item.type === 'hub' ? html`The hub <code>${item.name}</code>` : html`${item.type} <code>${item.name}</code>`;
  return html`<section class="row" aria-label="${item.type === 'hub' ? 'hub' : `${item.type} ${item.name}`}">
<h3><span class="${mark.style}">${mark.sign} ${mark.word}</span>: ${title}</h3>
<dl><dt>Found</dt><dd>${item.found}</dd><dt>Expected</dt><dd>${item.expected}</dd>
${item.status === 'could-not-check' ? html`<dt>What to do</dt><dd>Nothing is known to be wrong. Test again in a minute.</dd>` : html``}
${item.fix ? html`<dt>Fix</dt><dd>${item.fix}${item.zone_line ? html`<pre>${item.zone_line}</pre>` : html``}</dd>` : html``}</dl>
</section>`;
}

export function testerStartPage(hub: HubIdentity): string {
  return renderPage(
    hub,
    'Test a server',
    html`<h1>Test a chat server's federation set-up</h1>
<p>Checks the DNS records peers use to find a server (SRV <code>_rocketchat._https</code>, <code>_rocketchat._http</code>,
legacy <code>_rocketchat._tcp</code>, TXT <code>rocketchat-public-key</code> and <code>rocketchat-tcp-protocol</code>) and whether
${hub.name} knows it, and gives the exact fix for what is wrong.</p>
${testerForm()}
<p class="note">The same test from a terminal: <code>federation-hub check chat.example.com --hub ${hub.publicUrl}</code></p>`,
  );
}

export function testerReportPage(hub: HubIdentity, report: FederationTestReport, cached: boolean): string {
  const domain = displayDomain(report.domain);
  return renderPage(
    hub,
    `Federation test of ${domain}`,
    html`<h1>Federation test of ${domain}</h1>
<p class="verdict ${VERDICT_STYLE[report.verdict]}" role="status">${report.summary}</p>
<p class="note">Checked ${timeElement(new Date(report.checked_at))}${cached ? ' (a recent result, reused)' : ''}, asking this hub's DNS servers.
<a href="/api/v1/check/${report.domain}">This report as JSON</a>.</p>
<h2>DNS records</h2>
${report.dns.entries.map(row)}
<h2>The hub</h2>
${row(report.hub.row)}
<h2>Do DNS and the hub agree?</h2>
<p>${report.agreement.detail}</p>
<h2>Test another server</h2>
${testerForm()}`,
  );
}

export function testerProblemPage(hub: HubIdentity, title: string, message: string, value: string): string {
  return renderPage(hub, title, html`<h1>${title}</h1><p role="alert">${message}</p>${testerForm(value)}`);
}
