/**
 * Huge pages for the bench's PostgreSQL, reserved for the run and given back after it. With 1,000,000 peers in
 * shared_buffers on 4 KiB pages, a random lookup cost PostgreSQL about twice what it did at 1,000 peers on this VM;
 * on 2 MiB pages, about the same (docs/performance.md, fourth session). Linux hands PostgreSQL huge pages only from
 * a reserve (`vm.nr_hugepages`), which is empty on a fresh machine.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { procField } from './proc.js';

const RESERVE = '/proc/sys/vm/nr_hugepages';

/**
 * Makes sure `bytes` of huge pages are free, raising the reserve if needed (root only). Returns what gives the added
 * pages back: call it after the server that used them has stopped.
 */
export function reserveHugePages(bytes: number, log: (message: string) => void): () => void {
  const nothingToGiveBack = () => {};
  let memory: string;
  try {
    memory = readFileSync('/proc/meminfo', 'utf8');
  } catch {
    return nothingToGiveBack; // not Linux: PostgreSQL decides for itself (huge_pages = try)
  }
  const missing = Math.ceil(bytes / (procField(memory, 'Hugepagesize') * 1024)) - procField(memory, 'HugePages_Free');
  if (!(missing > 0)) return nothingToGiveBack;
  const before = Number(readFileSync(RESERVE, 'utf8'));
  try {
    writeFileSync(RESERVE, String(before + missing));
  } catch (error) {
    log(`could not reserve ${missing} huge pages (${(error as Error).message}): PostgreSQL runs on 4 KiB pages`);
    return nothingToGiveBack;
  }
  // The kernel may find fewer free 2 MiB blocks than asked for.
  const after = Number(readFileSync(RESERVE, 'utf8'));
  log(`reserved ${after - before} huge pages for the bench's PostgreSQL (vm.nr_hugepages ${before} → ${after}; given back at the end)`);
  return () => writeFileSync(RESERVE, String(before));
}
