/**
 * How much of the machine other work took while a phase ran: CPU time of the whole machine
 * (/proc/stat) minus this benchmark's own (this process, which also runs the server, its child
 * processes such as Chromium, and the PostgreSQL backends serving the scratch database). On a
 * shared machine that is what explains a slow run; the load average cannot, since it counts the
 * benchmark itself. Linux only: elsewhere the figure is left out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

interface Snapshot {
  /** Busy CPU time of the whole machine, in clock ticks. */
  busy: number;
  /** Busy CPU time of the benchmark's processes, in clock ticks. */
  own: number;
  at: number;
}

/** utime + stime of a process, in clock ticks (0 if it is gone). */
function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  } catch {
    return 0;
  }
}

function children(): Map<number, number[]> {
  const byParent = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(d)]);
    } catch {
      // gone already
    }
  }
  return byParent;
}

function snapshot(extraPids: number[]): Snapshot | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = cpu;
    const byParent = children();
    const own = new Set<number>();
    const queue = [process.pid];
    for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
      own.add(pid);
      queue.push(...(byParent.get(pid) ?? []));
    }
    // Processes this benchmark's descendants reaped count in their parents' cutime/cstime; the
    // PostgreSQL backends are the postmaster's children, so they are named explicitly.
    let ownTicks = 0;
    for (const pid of [...own, ...extraPids]) ownTicks += cpuTicks(pid);
    return { busy: user + nice + system + irq + softirq + steal, own: ownTicks, at: performance.now() };
  } catch {
    return undefined;
  }
}

export interface OthersCpu {
  phase: string;
  /** Cores' worth of CPU that other work used, on average, during the phase. */
  otherCores: number;
  /** Cores' worth the benchmark itself used. */
  ownCores: number;
}

/**
 * Starts watching (`pids`: the PostgreSQL backends serving the benchmark, now); `stop(pids)`,
 * given the backends then, gives what others and the benchmark used in between.
 */
export function watchCpu(phase: string, pids: number[]): { stop(pids: number[]): OthersCpu | undefined } {
  const before = snapshot(pids);
  return {
    stop(pidsNow) {
      const after = snapshot([...new Set([...pids, ...pidsNow])]);
      if (!before || !after) return undefined;
      const ticksPerSecond = 100; // USER_HZ on Linux
      const seconds = (after.at - before.at) / 1000;
      const busy = (after.busy - before.busy) / ticksPerSecond / seconds;
      const own = Math.max(0, (after.own - before.own) / ticksPerSecond / seconds);
      return { phase, otherCores: Math.max(0, Math.min(os.cpus().length, busy - own)), ownCores: own };
    },
  };
}
