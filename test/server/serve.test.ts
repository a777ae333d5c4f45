/**
 * `switchyard serve` end to end in-process: the listening line, the demo default, and a
 * graceful shutdown that lets a request under way finish before resolving with exit 0.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { openaiWire } from '../fakes/openai.js';
import { startFakeUpstream } from '../fakes/server.js';
import { runServe } from '../../src/cli/serve.js';
import type { ServeOptions } from '../../src/cli/args.js';
import type { CliIO } from '../../src/cli/io.js';
import { WebSocket } from 'ws';

function capture(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), env, isTTY: false };
  const logs: string[] = [];
  return { io, out, err, logs, logDestination: { write: (line: string) => void logs.push(line) } };
}

function deferred() {
  let resolve!: (value: string) => void;
  const promise = new Promise<string>((r) => (resolve = r));
  return { promise, resolve };
}

/** Starts `runServe` with a shutdown trigger; resolves once it listens. */
async function startServe(options: Partial<ServeOptions>, io: CliIO, logDestination: { write(line: string): void }) {
  const stop = deferred();
  const hurry = deferred();
  const exited = deferred();
  let url = '';
  await new Promise<void>((resolve) => {
    void runServe({ config: undefined, host: undefined, port: 0, inspect: false, debug: false, ...options }, io, {
      shutdown: stop.promise,
      hurry: hurry.promise,
      logDestination,
      onListening: (u) => ((url = u), resolve()),
    }).then((code) => exited.resolve(String(code)));
  });
  return { url, stop: (signal = 'SIGTERM') => stop.resolve(signal), hurry: (signal = 'SIGTERM') => hurry.resolve(signal), exited: exited.promise };
}

describe('switchyard serve', () => {
  it('fails with a clear message when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    const { io, logDestination } = capture();
    await expect(runServe({ config: undefined, host: '127.0.0.1', port, inspect: false, debug: false }, io, { logDestination, shutdown: new Promise(() => undefined) })).rejects.toThrow(
      `cannot listen on 127.0.0.1:${port}: the address is in use`,
    );
    await new Promise((resolve) => blocker.close(resolve));
  });

  it('serves the demo with no configuration, prints the listening line, and drains on shutdown', async () => {
    const { io, out, logs, logDestination } = capture();
    const { url, stop, exited } = await startServe({ host: '127.0.0.1' }, io, logDestination);
    expect(out[0]).toMatch(/^switchyard listening on http:\/\/127\.0\.0\.1:\d+\n$/);
    expect(out[0]).not.toContain(':0\n');
    expect(logs.join('')).toContain('built-in demo');
    const providers = (await (await fetch(`${url}/providers`)).json()) as { name: string }[];
    expect(providers.map((p) => p.name)).toEqual(['sim-alpha', 'sim-beta', 'sim-gamma']);
    // A request under way when the shutdown starts still gets its answer.
    const inFlight = fetch(`${url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }], stream: true, max_tokens: 5 }) });
    const response = await inFlight;
    stop();
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('data: [DONE]');
    expect(await exited).toBe('0');
    expect(logs.join('')).toContain('stopped: every request finished');
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('listens for signals from the start: a SIGHUP while starting still ends in a drained shutdown, exit 0', async () => {
    const { io, out, logs, logDestination } = capture();
    // No shutdown hook: the real signal handlers. The signal is emitted before the gateway listens.
    const exit = runServe({ config: undefined, host: '127.0.0.1', port: 0, inspect: false, debug: false }, io, { logDestination, hurry: new Promise(() => undefined) });
    process.emit('SIGHUP', 'SIGHUP');
    expect(await exit).toBe(0);
    expect(out[0]).toMatch(/^switchyard listening on /);
    expect(logs.join('')).toContain('"signal":"SIGHUP"');
    expect(logs.join('')).toContain('stopped: every request finished');
    expect(process.listenerCount('SIGHUP') + process.listenerCount('SIGTERM') + process.listenerCount('SIGINT')).toBe(0);
  });

  it('leaves no signal handler behind when it returns early (a bad configuration, a port in use)', async () => {
    const { io, logDestination } = capture();
    const signals = () => process.listenerCount('SIGHUP') + process.listenerCount('SIGTERM') + process.listenerCount('SIGINT');
    const before = signals();
    expect(await runServe({ config: '/nonexistent/switchyard.yaml', host: '127.0.0.1', port: 0, inspect: false, debug: false }, io, { logDestination })).toBe(1);
    await expect(runServe({ config: undefined, host: '127.0.0.1', port: 99999, inspect: false, debug: false }, io, { logDestination })).rejects.toThrow();
    expect(signals()).toBe(before);
  });

  it('reads --config, lets --port override it, and cancels what is left after drainTimeoutMs', async () => {
    const fake = await startFakeUpstream(openaiWire);
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-serve-'));
    const file = join(dir, 'switchyard.yaml');
    writeFileSync(file, `server: { port: 1, drainTimeoutMs: 50 }\nproviders:\n  - { name: up, type: openai, baseUrl: "${fake.baseUrl}", apiKey: "\${KEY}", model: m }\n`);
    const { io, out, logs, logDestination } = capture({ KEY: 'sk-test-0000000000' });
    const { url, stop, exited } = await startServe({ config: file }, io, logDestination);
    expect(out[0]).toMatch(/^switchyard listening on http:\/\/127\.0\.0\.1:\d+\n$/);
    fake.enqueue({ type: 'hang-before-headers' });
    const hanging = fetch(`${url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }] }) }).then(
      (r) => r.status,
      () => 'closed',
    );
    await fake.until((f) => f.hanging === 1);
    stop();
    expect(await exited).toBe('0');
    expect(logs.join('')).toContain('drain timeout passed');
    expect([503, 'closed']).toContain(await hanging);
    await fake.until((f) => f.hanging === 0);
    await fake.close();
  });

  it('POST /admin/reload applies the edited --config file, all or nothing, behind the admin key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-reload-'));
    const file = join(dir, 'switchyard.yaml');
    const write = (providers: string, adminKey = 'adm-\${ADMIN}') =>
      writeFileSync(file, `server: { adminKey: "${adminKey}" }\nproviders:\n${providers}`);
    write('  - { name: a, type: simulated, latencyMs: 0 }\n');
    const { io, logs, logDestination } = capture({ ADMIN: 'secret-1' });
    const { url, stop, exited } = await startServe({ config: file }, io, logDestination);
    const reload = (key = 'adm-secret-1') => fetch(`${url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    const names = async () => ((await (await fetch(`${url}/providers`)).json()) as { name: string }[]).map((p) => p.name);

    write('  - { name: a, type: simulated, latencyMs: 0 }\n  - { name: b, type: simulated, latencyMs: 0 }\n');
    expect((await reload('wrong')).status).toBe(401);
    expect(await names()).toEqual(['a']);
    const applied = await reload();
    expect(applied.status).toBe(200);
    expect(await applied.json()).toEqual({ reloaded: true, providers: ['a', 'b'], routes: ['default'], auth: { gatewayKeys: false, adminKey: true }, notApplied: [] });
    expect(await names()).toEqual(['a', 'b']);
    expect(logs.join('')).toContain('configuration reloaded');
    const reloads = async () => (await (await fetch(`${url}/metrics`)).text()).split('\n').filter((line) => line.startsWith('switchyard_config_reloads_total'));
    expect(await reloads()).toEqual(['switchyard_config_reloads_total{result="applied"} 1', 'switchyard_config_reloads_total{result="refused"} 0']);

    // A broken file changes nothing, and the answer names each problem with its path.
    write('  - { name: a, type: simulated, latencyMs: -1 }\n  - { name: c, type: nope }\n');
    const refused = await reload();
    expect(refused.status).toBe(400);
    const error = ((await refused.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('invalid_config');
    expect(error.message).toContain('providers[0].latencyMs');
    expect(error.message).toContain('providers[1].type');
    expect(await names()).toEqual(['a', 'b']);
    expect(await reloads()).toEqual(['switchyard_config_reloads_total{result="applied"} 1', 'switchyard_config_reloads_total{result="refused"} 1']);

    // A value that is not key-shaped, pasted on the wrong line, is not quoted back.
    write('  - { name: a, type: simulated, latencyMs: 0, timeoutMs: "correct-horse-battery" }\n');
    const quiet = await reload();
    expect(quiet.status).toBe(400);
    expect(await quiet.text()).not.toContain('correct-horse-battery');
    expect(logs.join('')).not.toContain('correct-horse-battery');

    // The reloaded admin key is the one that counts from then on.
    write('  - { name: a, type: simulated, latencyMs: 0 }\n', 'adm-rotated');
    expect((await reload()).status).toBe(200);
    expect((await reload()).status).toBe(401);
    // A new host or seed waits for a restart, and is reported until the file says the values in
    // force again; the port is --port's (pinned), whatever the file says.
    const withServer = (extra: string) => writeFileSync(file, `server: { adminKey: "adm-rotated"${extra} }\nproviders:\n  - { name: a, type: simulated, latencyMs: 0 }\n`);
    const notApplied = async () => ((await (await reload('adm-rotated')).json()) as { notApplied: string[] }).notApplied;
    withServer(', host: "127.0.0.2", port: 9');
    expect(await notApplied()).toEqual(['server.host']);
    expect(await notApplied()).toEqual(['server.host']); // still waiting, the file unchanged
    withServer('');
    expect(await notApplied()).toEqual([]); // the host started with (127.0.0.1, the default) again
    writeFileSync(file, `seed: 99\nserver: { adminKey: "adm-rotated" }\nproviders:\n  - { name: a, type: simulated, latencyMs: 0 }\n`);
    expect(await notApplied()).toEqual(['seed']);

    // A file that drops every key opens the gateway: applied, but said in a warning and in the answer.
    writeFileSync(file, 'providers:\n  - { name: a, type: simulated, latencyMs: 0 }\n');
    const opened = await reload('adm-rotated');
    expect(((await opened.json()) as { auth: unknown }).auth).toEqual({ gatewayKeys: false, adminKey: false });
    expect(logs.join('')).toContain('authentication is now off');
    stop();
    expect(await exited).toBe('0');
  });

  it('POST /admin/reload needs an admin key once clients have keys, and reads only a regular file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-reload-'));
    const file = join(dir, 'switchyard.yaml');
    writeFileSync(file, 'server: { apiKeys: ["client-key-1"] }\nproviders:\n  - { name: a, type: simulated, latencyMs: 0 }\n');
    const { io, logDestination } = capture();
    const { url, stop, exited } = await startServe({ config: file }, io, logDestination);
    // A client's key is not enough to reload, as it is for operator actions.
    const asClient = await fetch(`${url}/admin/reload`, { method: 'POST', headers: { authorization: 'Bearer client-key-1' } });
    expect(asClient.status).toBe(403);
    expect(((await asClient.json()) as { error: { code: string } }).error.code).toBe('admin_key_required');

    writeFileSync(file, 'server: { adminKey: "adm-1" }\nproviders:\n  - { name: a, type: simulated, latencyMs: 0 }\n');
    stop();
    expect(await exited).toBe('0');
    // A FIFO in the file's place would block the event loop until written to: refused.
    const fifo = join(dir, 'fifo.yaml');
    spawnSync('mkfifo', [fifo]);
    const { url: url2, stop: stop2, exited: exited2 } = await startServe({ config: file }, capture().io, logDestination);
    renameSync(fifo, file);
    const refused = await fetch(`${url2}/admin/reload`, { method: 'POST', headers: { authorization: 'Bearer adm-1' } });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('not a regular file');
    expect((await fetch(`${url2}/health`)).status).toBe(200);
    // A directory, or a file over 4 MiB: refused too, with what is wrong.
    rmSync(file);
    mkdirSync(file);
    expect(((await (await fetch(`${url2}/admin/reload`, { method: 'POST', headers: { authorization: 'Bearer adm-1' } })).json()) as { error: { message: string } }).error.message).toContain('is a directory');
    rmdirSync(file);
    writeFileSync(file, `# ${'x'.repeat(4 * 1024 * 1024)}\nproviders: []\n`);
    expect(((await (await fetch(`${url2}/admin/reload`, { method: 'POST', headers: { authorization: 'Bearer adm-1' } })).json()) as { error: { message: string } }).error.message).toContain('over the 4194304 bytes');
    stop2();
    expect(await exited2).toBe('0');
  });

  it('POST /admin/reload refuses a file with client keys and no admin key: no later reload could be made', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-reload-'));
    const file = join(dir, 'switchyard.yaml');
    writeFileSync(file, 'server: { apiKeys: ["client-1"], adminKey: "adm-1" }\nproviders:\n  - { name: a, type: simulated, latencyMs: 0 }\n');
    const { io, logDestination } = capture();
    const { url, stop, exited } = await startServe({ config: file }, io, logDestination);
    const reload = () => fetch(`${url}/admin/reload`, { method: 'POST', headers: { authorization: 'Bearer adm-1' } });
    writeFileSync(file, 'server: { apiKeys: ["client-1"] }\nproviders:\n  - { name: a, type: simulated, latencyMs: 0 }\n  - { name: b, type: simulated, latencyMs: 0 }\n');
    const refused = await reload();
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('server.adminKey: required once server.apiKeys are set');
    // Nothing changed: the admin key still reloads, and b was not added.
    writeFileSync(file, 'server: { apiKeys: ["client-1"], adminKey: "adm-1" }\nproviders:\n  - { name: a, type: simulated, latencyMs: 0 }\n');
    expect(((await (await reload()).json()) as { providers: string[] }).providers).toEqual(['a']);
    stop();
    expect(await exited).toBe('0');
  });

  it('POST /admin/reload answers 409 when serving the built-in demo (no file to read)', async () => {
    const { io, logDestination } = capture();
    const { url, stop, exited } = await startServe({ host: '127.0.0.1' }, io, logDestination);
    const response = await fetch(`${url}/admin/reload`, { method: 'POST' });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('reload_unavailable');
    stop();
    expect(await exited).toBe('0');
  });

  it('ends the drain at a second signal: what is left gets 503, and the exit code is still 0', async () => {
    const fake = await startFakeUpstream(openaiWire);
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-serve-'));
    const file = join(dir, 'switchyard.yaml');
    writeFileSync(file, `server: { drainTimeoutMs: 600000 }\nproviders:\n  - { name: up, type: openai, baseUrl: "${fake.baseUrl}", model: m }\n`);
    const { io, logs, logDestination } = capture({});
    const { url, stop, hurry, exited } = await startServe({ config: file }, io, logDestination);
    fake.enqueue({ type: 'hang-before-headers' });
    const hanging = fetch(`${url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }] }) }).then((r) => r.status);
    await fake.until((f) => f.hanging === 1);
    stop();
    await new Promise((resolve) => setImmediate(resolve)); // the drain has begun; its timeout is ten minutes away
    hurry();
    expect(await exited).toBe('0');
    expect(await hanging).toBe(503);
    expect(logs.join('')).toContain('second signal: cancelling the requests still under way');
    await fake.close();
  });

  it('--inspect starts the loopback inspector, feeds it the live actors, and closes it on shutdown', async () => {
    const { io, err, logDestination } = capture();
    const { url, stop, exited } = await startServe({ host: '127.0.0.1', inspect: true }, io, logDestination);
    const line = err.join('');
    const page = /inspector on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(line)?.[1];
    const feedUrl = /raw inspection events on (ws:\/\/127\.0\.0\.1:\d+\/feed)/.exec(line)?.[1];
    expect(page).toBeDefined();
    expect(feedUrl).toBeDefined();
    expect((await fetch(page!)).status).toBe(200);
    // The feed replays what happened so far: the demo's provider actors are there at once.
    const socket = new WebSocket(feedUrl!);
    const names = new Set<string>();
    const sawProviders = new Promise<void>((resolve) =>
      socket.on('message', (data) => {
        const event = JSON.parse(String(data)) as { type: string; snapshot?: { context?: { name?: string } } };
        if (event.type === '@xstate.actor' && event.snapshot?.context?.name !== undefined) names.add(event.snapshot.context.name);
        if (names.size === 3) resolve();
      }),
    );
    await fetch(`${url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }], max_tokens: 5 }) });
    await sawProviders;
    expect([...names].sort()).toEqual(['sim-alpha', 'sim-beta', 'sim-gamma']);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    stop();
    expect(await exited).toBe('0');
    await closed;
    await expect(fetch(page!)).rejects.toThrow();
  });

  it('--inspect scrubs the configured credentials from the feed, even ones that do not look like keys', async () => {
    const token = 'vllm-token-not-key-shaped';
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-serve-'));
    const file = join(dir, 'switchyard.yaml');
    writeFileSync(file, `server: { adminKey: admin-secret-0 }\nproviders:\n  - { name: up, type: openai, baseUrl: "http://127.0.0.1:9/v1", apiKey: "${token}", model: m }\n`);
    const { io, err, logDestination } = capture();
    const { url, stop, exited } = await startServe({ config: file, host: '127.0.0.1', inspect: true }, io, logDestination);
    const feedUrl = /raw inspection events on (ws:\/\/127\.0\.0\.1:\d+\/feed)/.exec(err.join(''))?.[1];
    const socket = new WebSocket(feedUrl!);
    const raw: string[] = [];
    const sawDisabled = new Promise<void>((resolve) =>
      socket.on('message', (data) => {
        raw.push(String(data));
        if (String(data).includes('"disabledReason"') && String(data).includes('rotating')) resolve();
      }),
    );
    const reason = encodeURIComponent(`rotating ${token}`);
    expect((await fetch(`${url}/providers/up/disable?reason=${reason}`, { method: 'POST', headers: { 'x-api-key': 'admin-secret-0' } })).status).toBe(200);
    await sawDisabled;
    expect(raw.join('\n')).toContain('rotating [REDACTED]');
    expect(raw.join('\n')).not.toContain(token);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    stop();
    expect(await exited).toBe('0');
    await closed;
  });
});
