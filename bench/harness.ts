/**
 * Shared bench plumbing: child processes that announce their port, CPU time and RSS from
 * /proc, and a bounded loopback load generator on an undici Pool.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { Pool } from 'undici';

export interface Child {
  process: ChildProcess;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Spawns `node args…` and waits for a stdout line `listening PORT` or `switchyard listening on URL`. */
export function spawnServer(args: string[], env: Record<string, string> = {}): Promise<Child> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffer = '';
    let found = false;
    child.once('exit', (code) => {
      if (!found) reject(new Error(`${args.join(' ')} exited with ${code}`));
    });
    const logFile = env.BENCH_LOG_FILE;
    child.stdout!.on('data', (data: Buffer) => {
      if (logFile !== undefined) appendFileSync(logFile, data);
      if (found) return; // keep draining the pipe (request logs) without holding it
      buffer += data.toString();
      const match = /listening (\d+)\n/.exec(buffer) ?? /switchyard listening on (http:\/\/\S+)\n/.exec(buffer);
      if (match === null) return;
      found = true;
      buffer = '';
      const url = match[1]!.startsWith('http') ? match[1]! : `http://127.0.0.1:${match[1]}`;
      resolve({
        process: child,
        url,
        pid: child.pid!,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux

/** CPU time (user + system) of a process so far, in µs. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

/** Resident set size of a process, in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

export interface LoadResult {
  requests: number;
  failed: number;
  statuses: Record<string, number>;
  seconds: number;
  latenciesMs: number[];
  /** Time to the first body byte, ms. */
  ttfbMs: number[];
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Sends `body` to `url` with `concurrency` workers until `count` requests are done or
 * `maxSeconds` passed; reads every body to its end.
 */
export async function load(url: string, body: string, options: { concurrency: number; count: number; maxSeconds: number; headers?: Record<string, string> }): Promise<LoadResult> {
  const origin = new URL(url);
  const pool = new Pool(origin.origin, { connections: options.concurrency, pipelining: 1 });
  const result: LoadResult = { requests: 0, failed: 0, statuses: {}, seconds: 0, latenciesMs: [], ttfbMs: [] };
  const start = now();
  const deadline = start + options.maxSeconds * 1000;
  let issued = 0;
  const worker = async () => {
    while (issued < options.count && now() < deadline) {
      issued++;
      const t0 = now();
      try {
        const response = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json', ...options.headers }, body });
        let first = true;
        for await (const _chunk of response.body) {
          if (first) result.ttfbMs.push(now() - t0);
          first = false;
        }
        result.statuses[response.statusCode] = (result.statuses[response.statusCode] ?? 0) + 1;
        if (response.statusCode !== 200) result.failed++;
      } catch (error) {
        result.failed++;
        const key = `error:${(error as Error).name}`;
        result.statuses[key] = (result.statuses[key] ?? 0) + 1;
      }
      result.latenciesMs.push(now() - t0);
      result.requests++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  result.seconds = (now() - start) / 1000;
  await pool.close();
  return result;
}

/** The `q` quantile (0..1) of `values`. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
