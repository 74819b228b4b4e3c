/**
 * Huge pages for the bench's PostgreSQL, reserved for the run and given back after it.
 *
 * Why: with 1,000,000 peers held in shared_buffers on 4 KiB pages, a random lookup cost PostgreSQL about twice
 * the CPU of one at 1,000 peers (pgbench, the hub's prepared lookup, 4 clients: 15,500–18,600 against 41,300
 * lookups/s): each lookup lands on pages of a gigabyte of shared memory, and on this VM every TLB miss is a
 * nested page walk. On 2 MiB pages the same server gave 30,700–37,800 against 37,300–42,800. Linux hands
 * PostgreSQL huge pages only from a reserve (`vm.nr_hugepages`), which is empty on a fresh machine.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const RESERVE = '/proc/sys/vm/nr_hugepages';

export interface HugePageReservation {
  /** Pages this run added to the reserve (0 when enough were free, or when it could not). */
  readonly added: number;
  /** Gives the added pages back; call it after the server that used them has stopped. */
  release(): void;
}

/** Makes sure `bytes` of huge pages are free, raising the reserve if needed (root only). */
export function reserveHugePages(bytes: number, log: (message: string) => void): HugePageReservation {
  const none: HugePageReservation = { added: 0, release: () => {} };
  let memory: string;
  try {
    memory = readFileSync('/proc/meminfo', 'utf8');
  } catch {
    return none; // not Linux: PostgreSQL decides for itself (huge_pages = try)
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(memory)?.[1] ?? NaN);
  const pageBytes = field('Hugepagesize') * 1024;
  const missing = Math.ceil(bytes / pageBytes) - field('HugePages_Free');
  if (!(missing > 0)) return none;
  const before = Number(readFileSync(RESERVE, 'utf8'));
  try {
    writeFileSync(RESERVE, String(before + missing));
  } catch (error) {
    log(`could not reserve ${missing} huge pages (${(error as Error).message}): PostgreSQL runs on 4 KiB pages`);
    return none;
  }
  // The kernel may find fewer free 2 MiB blocks than asked for.
  const added = Number(readFileSync(RESERVE, 'utf8')) - before;
  log(`reserved ${added} huge pages for the bench's PostgreSQL (vm.nr_hugepages ${before} → ${before + added}; given back at the end)`);
  return { added, release: () => writeFileSync(RESERVE, String(before)) };
}
