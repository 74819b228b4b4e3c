import assert from 'node:assert/strict';
import request from 'supertest';

/** The hub's /metrics text (Prometheus exposition); the scrape must succeed. */
export async function scrapeMetrics(hubUrl: string): Promise<string> {
  const answer = await request(hubUrl).get('/metrics');
  assert.equal(answer.status, 200);
  return answer.text;
}

/** One sample of a Prometheus text exposition: `name{labels} value`; undefined when the series is absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([label, value]) => found[label] === value)) return Number(match[3]);
  }
  return undefined;
}

/** A counter's value; one that was never incremented has no series yet: it reads as 0. */
export async function counterValue(hubUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  return sample(await scrapeMetrics(hubUrl), name, labels) ?? 0;
}
