import type { SrvData } from './dns/wire.js';

/**
 * RFC 2782 target selection: lowest priority first; within a priority, a weighted random order, drawn exactly as
 * the RFC describes (running sums, a uniform draw in [0, sum]), so heavier records come first proportionally more
 * often and weight-0 records rarely (only on a draw of 0).
 * Records with the target "." (the service is explicitly not offered) are dropped.
 * `random` returns [0, 1): injectable so that tests choose the draw.
 */
export function orderSrv(records: readonly SrvData[], random: () => number = Math.random): SrvData[] {
  const usable = records.filter((record) => record.target !== '');
  const priorities = [...new Set(usable.map((record) => record.priority))].sort((a, b) => a - b);
  return priorities.flatMap((priority) => weightedOrder(usable.filter((record) => record.priority === priority), random));
}

function weightedOrder(group: SrvData[], random: () => number): SrvData[] {
  // RFC 2782: weight-0 records go to the front of the list before the running sums are computed.
  const remaining = [...group.filter((record) => record.weight === 0), ...group.filter((record) => record.weight > 0)];
  const ordered: SrvData[] = [];
  while (remaining.length > 0) {
    const total = remaining.reduce((sum, record) => sum + record.weight, 0);
    // A uniform integer in [0, total], as the RFC draws it.
    const draw = Math.min(total, Math.floor(random() * (total + 1)));
    let running = 0;
    let index = remaining.findIndex((record) => (running += record.weight) >= draw);
    if (index === -1) index = remaining.length - 1;
    ordered.push(...remaining.splice(index, 1));
  }
  return ordered;
}
