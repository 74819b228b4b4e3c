/** What the bench reads of Linux /proc: a process's memory and CPU time, and the machine's memory fields. */
import { readFileSync } from 'node:fs';

/** The number after `name:` in a /proc file of `Name:   value [kB]` lines (`/proc/<pid>/status`, `/proc/meminfo`). */
export function procField(text: string, name: string): number {
  return Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
}

/** Resident and peak resident memory of a process, in MiB. */
export function processMemory(pid: number): { rssMiB: number; peakRssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssMiB: procField(status, 'VmRSS') / 1024, peakRssMiB: procField(status, 'VmHWM') / 1024 };
}

/** CPU time (user and system) a process has used so far, in seconds (clock ticks of 10 ms). */
export function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
