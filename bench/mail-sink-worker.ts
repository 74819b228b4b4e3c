/**
 * Worker thread side of mail-sink.ts: the project's SMTP capture server (test/support/smtp-capture.ts), without
 * parsing, reporting the recipients of what it received to the parent every 50 ms.
 */
import { parentPort } from 'node:worker_threads';
import { startSmtpCapture } from '../test/support/smtp-capture.js';

const port = parentPort!;
const capture = await startSmtpCapture({ parse: false });
let reported = 0;
const timer = setInterval(() => {
  if (capture.messages.length === reported) return;
  const fresh = capture.messages.slice(reported);
  reported += fresh.length;
  port.postMessage({ recipients: fresh.flatMap((message) => message.to) });
}, 50);
port.on('message', async (message: { close?: boolean }) => {
  if (!message.close) return;
  clearInterval(timer);
  await capture.close();
  port.close();
});
port.postMessage({ url: capture.url });
