import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { issuesOf, minimal } from './helpers.js';

const sim = (name: string, extra: Record<string, unknown> = {}) => ({ name, type: 'simulated', ...extra });
const openai = (name: string, extra: Record<string, unknown> = {}) => ({ name, type: 'openai', model: 'gpt-4o', ...extra });

describe('parseConfig: defaults', () => {
  it('fills every default from a minimal configuration', () => {
    const config = parseConfig(minimal(), {});
    expect(config.server).toEqual({
      host: '127.0.0.1', port: 8080, apiKeys: [], adminKey: undefined, maxBodyBytes: 1_048_576, drainTimeoutMs: 10_000,
      keepAliveTimeoutMs: 5_000, headersTimeoutMs: 60_000, requestTimeoutMs: 300_000,
    });
    expect(config.routing).toEqual({ maxAttempts: 3, backoff: { baseMs: 100, maxMs: 2000 }, deadlineMs: 120_000, retryBudget: { ratio: 0.2, minPerSecond: 10 }, panic: true });
    expect(config.health).toEqual({
      consecutiveFailures: 5, failureRate: 0.5, degradedFailureRate: 0.2, minCalls: 10, windowMs: 60_000,
      slowCallMs: 10_000, cooldownMs: 10_000, maxCooldownMs: 300_000, halfOpenProbes: 3, probeIntervalMs: 0,
    });
    expect(config.rules).toEqual([]);
    expect(config.log).toEqual({ level: 'info' });
    expect(config.seed).toBeUndefined();
    expect([config.budget, config.cache, config.store]).toEqual([undefined, undefined, undefined]);
  });

  it('gives a simulated provider its defaults and its name as model', () => {
    const [provider] = parseConfig(minimal(), {}).providers;
    expect(provider).toEqual({
      name: 'a', type: 'simulated', baseUrl: undefined, apiKey: undefined, model: 'a', priority: 1, weight: 1,
      pricing: undefined, contextWindow: undefined, capabilities: [], timeoutMs: 30_000, limits: undefined,
      budget: undefined, headers: {}, options: {},
      simulated: { latencyMs: { p50: 200, p99: 800 }, failureRate: 0, tokensPerSecond: 50, incidents: [] },
    });
  });

  it.each([
    ['openai', 'https://api.openai.com/v1'],
    ['anthropic', 'https://api.anthropic.com/v1'],
    ['gemini', 'https://generativelanguage.googleapis.com/v1beta'],
    ['ollama', 'http://127.0.0.1:11434'],
  ])('defaults baseUrl of %s to %s', (type, baseUrl) => {
    const config = parseConfig({ providers: [{ name: 'p', type, model: 'm' }] }, {});
    expect(config.providers[0]).toMatchObject({ baseUrl, model: 'm', simulated: undefined });
  });

  it('strips a trailing slash from baseUrl', () => {
    const config = parseConfig({ providers: [openai('p', { baseUrl: 'http://localhost:8000/v1/' })] }, {});
    expect(config.providers[0]?.baseUrl).toBe('http://localhost:8000/v1');
  });

  it('creates the default route with all providers by priority when absent', () => {
    const config = parseConfig({ providers: [sim('a'), sim('b')], routes: { fast: { providers: ['b'] } } }, {});
    expect(config.routes).toEqual({
      fast: { providers: ['b'], strategy: 'priority' },
      default: { providers: ['a', 'b'], strategy: 'priority' },
    });
  });

  it('keeps a configured default route', () => {
    const config = parseConfig({ providers: [sim('a'), sim('b')], routes: { default: { providers: ['b'], strategy: 'weighted' } } }, {});
    expect(config.routes).toEqual({ default: { providers: ['b'], strategy: 'weighted' } });
  });

  it('puts simulated options into ProviderConfig.simulated', () => {
    const config = parseConfig(
      { providers: [sim('a', { latencyMs: { p50: '100ms', p99: '1s' }, failureRate: 0.1, tokensPerSecond: 20, incidents: [{ at: 10, for: '30s', mode: 'error', every: '2m' }] })] },
      {},
    );
    expect(config.providers[0]?.simulated).toEqual({
      latencyMs: { p50: 100, p99: 1000 },
      failureRate: 0.1,
      tokensPerSecond: 20,
      incidents: [{ at: 10, for: 30, mode: 'error', every: 120 }],
    });
  });

  it('reads the optional cache prices of pricing, and leaves them out when absent', () => {
    const pricing = { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3, cacheWriteInputPerMTok: '3.75' };
    const config = parseConfig({ providers: [sim('a', { pricing }), sim('b', { pricing: { inputPerMTok: 1, outputPerMTok: 4 } })] }, {});
    expect(config.providers.map((p) => p.pricing)).toStrictEqual([
      { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3, cacheWriteInputPerMTok: 3.75 },
      { inputPerMTok: 1, outputPerMTok: 4 },
    ]);
  });

  it('reads the whole CONTRACT example minus the features not built yet', () => {
    const config = parseConfig(
      {
        server: { host: '0.0.0.0', port: 9000, apiKeys: ['k1'], adminKey: 'adm', maxBodyBytes: 2048, drainTimeoutMs: '5s' },
        providers: [
          openai('gpt4o', { apiKey: 'sk', priority: 1, weight: 2, pricing: { inputPerMTok: 2.5, outputPerMTok: 10 }, contextWindow: 128_000, capabilities: ['code'], timeoutMs: 30_000, headers: { 'x-extra': 'v', 'x-n': 5 } }),
          { name: 'claude', type: 'anthropic', model: 'claude-sonnet', priority: 2 },
          { name: 'llama', type: 'ollama', model: 'llama3' },
        ],
        routes: { default: { providers: ['gpt4o', 'claude', 'llama'] }, cheap: { providers: ['llama'], strategy: 'lowest-cost' } },
        rules: [{ when: { inputTokens: { gt: 100_000 } }, route: 'cheap' }, { when: { task: 'code', stream: 'true' }, route: 'default' }],
        routing: { maxAttempts: 4, backoff: { baseMs: 50, maxMs: '1s' }, deadlineMs: '2m', retryBudget: { ratio: 0.1, minPerSecond: 5 }, panic: false },
        health: { consecutiveFailures: 3, windowMs: '30s', cooldownMs: '5s', maxCooldownMs: '5m' },
        log: { level: 'debug' },
        seed: 42,
      },
      {},
    );
    expect(config.server).toEqual({ host: '0.0.0.0', port: 9000, apiKeys: ['k1'], adminKey: 'adm', maxBodyBytes: 2048, drainTimeoutMs: 5000, keepAliveTimeoutMs: 5_000, headersTimeoutMs: 60_000, requestTimeoutMs: 300_000 });
    expect(config.providers[0]?.headers).toEqual({ 'x-extra': 'v', 'x-n': '5' });
    expect(config.rules).toEqual([{ when: { inputTokens: { gt: 100_000 } }, route: 'cheap' }, { when: { task: 'code', stream: true }, route: 'default' }]);
    expect(config.routing.deadlineMs).toBe(120_000);
    expect(config.health).toMatchObject({ consecutiveFailures: 3, windowMs: 30_000, cooldownMs: 5000, maxCooldownMs: 300_000 });
    expect(config.seed).toBe(42);
  });

  it('passes adapter options through, per type', () => {
    const config = parseConfig(
      {
        providers: [
          openai('o', { options: { maxTokensField: 'max_completion_tokens', idleTimeoutMs: '5s', reasoning: true } }),
          { name: 'c', type: 'anthropic', model: 'claude', options: { defaultMaxTokens: 1024, anthropicVersion: '2023-06-01', structuredOutputs: true, strictTools: true } },
          sim('s'),
        ],
      },
      {},
    );
    expect(config.providers.map((p) => p.options)).toEqual([{ maxTokensField: 'max_completion_tokens', idleTimeoutMs: 5000, reasoning: true }, { defaultMaxTokens: 1024, anthropicVersion: '2023-06-01', structuredOutputs: true, strictTools: true }, {}]);
  });

  it('treats empty keys as no keys', () => {
    const config = parseConfig(minimal({ server: { apiKeys: ['', 'k'], adminKey: '' } }), {});
    expect(config.server.apiKeys).toEqual(['k']);
    expect(config.server.adminKey).toBeUndefined();
  });
});

describe('parseConfig: every problem with its path', () => {
  const cases: [string, unknown, string[]][] = [
    ['not an object', 42, ['(root): expected an object, got a number']],
    ['providers missing', {}, ['providers: required']],
    ['providers empty', { providers: [] }, ['providers: must not be empty']],
    ['unknown top-level key', minimal({ routs: {} }), ['routs: unknown key (did you mean "routes"?)']],
    ['typo in a provider key', { providers: [sim('a', { wieght: 2 })] }, ['providers[0].wieght: unknown key (did you mean "weight"?)']],
    ['unknown key without suggestion', { providers: [sim('a', { colour: 'red' })] }, ['providers[0].colour: unknown key']],
    ['bad provider name', { providers: [sim('a b')] }, ['providers[0].name: must be non-empty and use only letters, digits, ".", "_" and "-"']],
    ['bad type', { providers: [{ name: 'a', type: 'azure' }] }, ['providers[0].type: must be one of "openai", "anthropic", "gemini", "ollama", "simulated"']],
    ['negative weight', { providers: [sim('a'), sim('b'), sim('c', { weight: -1 })] }, ['providers[2].weight: must be at least 0']],
    ['fractional contextWindow', { providers: [sim('a', { contextWindow: 1.5 })] }, ['providers[0].contextWindow: must be an integer']],
    ['bad baseUrl', { providers: [openai('a', { baseUrl: 'localhost:8000' })] }, ['providers[0].baseUrl: must be an http:// or https:// URL']],
    ['model missing on a real type', { providers: [{ name: 'a', type: 'anthropic' }] }, ['providers[0].model: required for type: anthropic (the upstream model id)']],
    ['simulated key on a real type', { providers: [openai('a', { failureRate: 0.1 })] }, ['providers[0].failureRate: only used by type: simulated (this provider is openai)']],
    ['baseUrl on simulated', { providers: [sim('a', { baseUrl: 'http://x' })] }, ['providers[0].baseUrl: not used by type: simulated']],
    ['adapter options on simulated', { providers: [sim('a', { options: { idleTimeoutMs: 5 } })] }, ['providers[0].options: not used by type: simulated']],
    ['an option of another type', { providers: [openai('a', { options: { defaultMaxTokens: 100 } })] }, ['providers[0].options.defaultMaxTokens: only used by type: anthropic (this provider is openai)']],
    ['an unknown option', { providers: [openai('a', { options: { idleTimeout: 100 } })] }, ['providers[0].options.idleTimeout: unknown key (did you mean "idleTimeoutMs"?)']],
    ['a bad maxTokensField', { providers: [openai('a', { options: { maxTokensField: 'max' } })] }, ['providers[0].options.maxTokensField: must be one of "max_tokens", "max_completion_tokens"']],
    ['a bad reasoning', { providers: [openai('a', { options: { reasoning: 'yes' } })] }, ['providers[0].options.reasoning: expected a boolean, got a string']],
    ['reasoning on another type', { providers: [{ name: 'c', type: 'anthropic', model: 'claude', options: { reasoning: true } }] }, ['providers[0].options.reasoning: only used by type: openai (this provider is anthropic)']],
    ['a bad strictTools', { providers: [{ name: 'c', type: 'anthropic', model: 'claude', options: { strictTools: 'yes' } }] }, ['providers[0].options.strictTools: expected a boolean, got a string']],
    ['strictTools on another type', { providers: [openai('a', { options: { strictTools: true } })] }, ['providers[0].options.strictTools: only used by type: anthropic (this provider is openai)']],
    ['failureRate above 1', { providers: [sim('a', { failureRate: 1.5 })] }, ['providers[0].failureRate: must be at most 1']],
    ['p99 below p50', { providers: [sim('a', { latencyMs: { p50: 500, p99: 100 } })] }, ['providers[0].latencyMs.p99: must be at least p50']],
    ['latency of the wrong shape', { providers: [sim('a', { latencyMs: true })] }, ['providers[0].latencyMs: expected a duration (e.g. 200 or "200ms") or { p50, p99 }']],
    ['slow incident without latency', { providers: [sim('a', { incidents: [{ at: 0, for: 10, mode: 'slow' }] })] }, ['providers[0].incidents[0].latencyMs: required for mode: slow']],
    ['incident key of another mode', { providers: [sim('a', { incidents: [{ at: 0, for: 10, mode: 'error', retryAfterS: 5 }] })] }, ['providers[0].incidents[0].retryAfterS: only used by mode: rate_limit']],
    ['overlapping recurrence', { providers: [sim('a', { incidents: [{ at: 0, for: 10, mode: 'timeout', every: 5 }] })] }, ['providers[0].incidents[0].every: must be at least `for` (incidents must not overlap)']],
    ['incident naming another provider', { providers: [sim('a', { incidents: [{ provider: 'b', at: 0, for: 1, mode: 'error' }] })] }, ['providers[0].incidents[0].provider: an incident of a provider entry can only name that provider ("a")']],
    ['duplicate provider names', { providers: [sim('a'), sim('b'), sim('a')] }, ['providers[2].name: duplicate provider name "a" (first used by providers[0])']],
    ['route naming an unknown provider', { providers: [sim('gpt4o'), sim('b')], routes: { default: { providers: ['b', 'gtp4o'] } } }, ['routes.default.providers[1]: unknown provider "gtp4o" (did you mean "gpt4o"?)']],
    ['provider twice in a route', { providers: [sim('a')], routes: { x: { providers: ['a', 'a'] } } }, ['routes.x.providers[1]: provider "a" is listed twice']],
    ['empty route', minimal({ routes: { x: { providers: [] } } }), ['routes.x.providers: must not be empty']],
    ['bad strategy', minimal({ routes: { x: { providers: ['a'], strategy: 'fastest' } } }), ['routes.x.strategy: must be one of "priority", "round-robin", "weighted", "least-latency", "lowest-cost", "least-busy"']],
    ['route name needing quotes', minimal({ routes: { 'gpt-4.1': { providers: ['zz'] } } }), ['routes["gpt-4.1"].providers[0]: unknown provider "zz"']],
    ['reserved route name', minimal({ routes: { auto: { providers: ['a'] } } }), ['routes.auto: reserved: model "auto" always means the default route']],
    ['fractional server timeouts (Node takes whole ms)', minimal({ server: { keepAliveTimeoutMs: '1.5ms', headersTimeoutMs: 0.5, requestTimeoutMs: '600h' } }), [
      'server.keepAliveTimeoutMs: must be a whole number of milliseconds, at most 2147483647 (about 24 days)',
      'server.headersTimeoutMs: must be a whole number of milliseconds, at most 2147483647 (about 24 days)',
      'server.requestTimeoutMs: must be a whole number of milliseconds, at most 2147483647 (about 24 days)',
    ]],
    ['headers timeout longer than the request timeout', minimal({ server: { headersTimeoutMs: '2m', requestTimeoutMs: '1m' } }), ['server.headersTimeoutMs: must be at most requestTimeoutMs (unless requestTimeoutMs is 0)']],
    ['rule naming an unknown route', minimal({ rules: [{ when: { task: 'code' }, route: 'code' }] }), ['rules[0].route: unknown route "code"']],
    ['empty number match', minimal({ rules: [{ when: { inputTokens: {} }, route: 'default' }] }), ['rules[0].when.inputTokens: needs at least one of gt, gte, lt, lte']],
    ['port out of range', minimal({ server: { port: 70_000 } }), ['server.port: must be at most 65535']],
    ['apiKeys not a list', minimal({ server: { apiKeys: 'k' } }), ['server.apiKeys: expected an array, got a string']],
    ['maxAttempts zero', minimal({ routing: { maxAttempts: 0 } }), ['routing.maxAttempts: must be at least 1']],
    ['backoff upside down', minimal({ routing: { backoff: { baseMs: 500, maxMs: 100 } } }), ['routing.backoff.maxMs: must be at least baseMs']],
    ['health rate above 1', minimal({ health: { failureRate: 2 } }), ['health.failureRate: must be at most 1']],
    ['health rate of 0', minimal({ health: { degradedFailureRate: 0 } }), ['health.degradedFailureRate: must be greater than 0']],
    ['non-integer threshold', minimal({ health: { minCalls: 2.5 } }), ['health.minCalls: must be an integer']],
    ['cooldown above max', minimal({ health: { cooldownMs: '10m', maxCooldownMs: '5m' } }), ['health.cooldownMs: must not exceed maxCooldownMs']],
    ['bad log level', minimal({ log: { level: 'loud' } }), ['log.level: must be one of "debug", "info", "warn", "error", "silent"']],
    ['fractional seed', minimal({ seed: 1.5 }), ['seed: must be an integer']],
    ['bad header name and value', { providers: [sim('a', { headers: { 'bad header': 'x', 'x-ok': { a: 1 } } })] }, ['providers[0].headers["bad header"]: invalid key: not a valid HTTP header name', 'providers[0].headers.x-ok: expected a string']],
    ['empty route name', minimal({ routes: { '': { providers: ['a'] } } }), ['routes[""]: invalid key: must not be empty']],
    ['null entries', { providers: [null, sim('a')], rules: [null] }, ['providers[0]: expected an object, got null', 'rules[0]: expected an object, got null']],
    [
      'bad cache prices',
      { providers: [sim('a', { pricing: { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: -1, cacheWriteInputPerMTok: 'cheap' } })] },
      ['providers[0].pricing.cachedInputPerMTok: must be at least 0', 'providers[0].pricing.cacheWriteInputPerMTok: expected a number, got a string'],
    ],
    [
      'misspelt cache price',
      { providers: [sim('a', { pricing: { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMtok: 0.3 } })] },
      ['providers[0].pricing.cachedInputPerMtok: unknown key (did you mean "cachedInputPerMTok"?)'],
    ],
  ];

  it.each(cases)('%s', (_name, raw, expected) => {
    expect(issuesOf(() => parseConfig(raw, {}))).toEqual(expected);
  });

  it('reports every problem of a configuration at once', () => {
    const issues = issuesOf(() =>
      parseConfig(
        {
          providers: [sim('a', { wieght: 1 }), openai('a', { weight: -1 })],
          routes: { default: { providers: ['zzz'] } },
          rules: [{ when: {}, route: 'nope' }],
          health: { cooldownMs: '5m', maxCooldownMs: '1m', windowMs: '5x' },
        },
        {},
      ),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        'providers[0].wieght: unknown key (did you mean "weight"?)',
        'providers[1].weight: must be at least 0',
        'providers[1].name: duplicate provider name "a" (first used by providers[0])',
        'routes.default.providers[0]: unknown provider "zzz"',
        'rules[0].route: unknown route "nope"',
        'health.windowMs: invalid duration: write a number, or a number with a unit ms, s, m or h (e.g. "30s")',
        'health.cooldownMs: must not exceed maxCooldownMs',
      ]),
    );
    expect(issues).toHaveLength(7);
  });
});

describe('parseConfig: keys of features not built yet', () => {
  it.each([
    ['cache', minimal({ cache: { enabled: false } }), 'cache: not supported yet: this version of switchyard has no response caching; remove this key'],
    ['store', minimal({ store: { redis: 'redis://127.0.0.1:6379' } }), 'store: not supported yet: this version of switchyard has no shared state stores (Redis); remove this key'],
    ['budget', minimal({ budget: { monthlyUsd: 10 } }), 'budget: not supported yet: this version of switchyard has no spend budgets; remove this key'],
    ['providers[].limits', { providers: [sim('a', { limits: { rpm: 5 } })] }, 'providers[0].limits: not supported yet: this version of switchyard has no local rate quotas (rpm/tpm); remove this key'],
    ['providers[].budget', { providers: [sim('a', { budget: { dailyUsd: 1 } })] }, 'providers[0].budget: not supported yet: this version of switchyard has no per-provider spend budgets; remove this key'],
  ])('%s is rejected, not ignored', (_name, raw, expected) => {
    expect(issuesOf(() => parseConfig(raw, {}))).toEqual([expected]);
  });

  it('rejects even an empty value', () => {
    expect(issuesOf(() => parseConfig(minimal({ cache: {} }), {}))).toHaveLength(1);
  });
});

describe('parseConfig: a parsed configuration parses to itself', () => {
  // What `engine.updateConfig({ ...engine.config, ... })` passes back.
  const rich = {
    server: { port: 9000, apiKeys: ['gw-key'], adminKey: 'admin-key', maxBodyBytes: 4096, drainTimeoutMs: '2s' },
    providers: [
      sim('fast', { latencyMs: { p50: 10, p99: 50 }, failureRate: 0.1, tokensPerSecond: 500, incidents: [{ at: 5, for: 10, mode: 'rate_limit', retryAfterS: 3 }, { at: 30, for: 5, mode: 'slow', latencyMs: '2s', every: 60 }] }),
      sim('plain'),
      openai('gpt', { apiKey: 'sk-test', headers: { 'x-org': 'o' }, pricing: { inputPerMTok: 2.5, outputPerMTok: 10 }, contextWindow: 128_000, capabilities: ['tools'], options: { reasoning: false, idleTimeoutMs: 5000 } }),
      { name: 'claude', type: 'anthropic', model: 'claude-sonnet-4', apiKey: 'sk-ant-test', priority: 2, weight: 3 },
      { name: 'gem', type: 'gemini', model: 'gemini-2.5-flash', timeoutMs: '10s' },
      { name: 'local', type: 'ollama', model: 'llama3' },
    ],
    routes: { default: { providers: ['fast', 'gpt', 'claude'], strategy: 'weighted' }, cheap: { providers: ['plain', 'local', 'gem'], strategy: 'lowest-cost' } },
    rules: [{ when: { inputTokens: { gt: 1000 } }, route: 'cheap' }],
    routing: { maxAttempts: 4, deadlineMs: '1m' },
    health: { consecutiveFailures: 3, windowMs: '30s', probeIntervalMs: '5s' },
    log: { level: 'warn' },
    seed: 42,
  };

  it('so engine.config can be handed back to updateConfig as it is', () => {
    const parsed = parseConfig(rich, {});
    expect(parseConfig(parsed, {})).toEqual(parsed);
    expect(parseConfig(minimal(), {})).toEqual(parseConfig(parseConfig(minimal(), {}), {}));
  });

  it('without interpolating its strings again: a literal ${ or one inside a variable\'s value stays as it is', () => {
    const env = { KEY: 'sk-${not-a-variable}' };
    const parsed = parseConfig({ providers: [openai('gpt', { apiKey: '${KEY}', headers: { 'x-tag': 'a$${b}' } })] }, env);
    expect(parsed.providers[0]).toMatchObject({ apiKey: 'sk-${not-a-variable}', headers: { 'x-tag': 'a${b}' } });
    expect(parseConfig(parsed, {})).toEqual(parsed);
    expect(parseConfig({ ...parsed, routing: { ...parsed.routing, maxAttempts: 2 } }, {})).toEqual({ ...parsed, routing: { ...parsed.routing, maxAttempts: 2 } });
    // What a caller writes anew is interpolated as ever.
    expect(parseConfig({ ...parsed, providers: [{ ...parsed.providers[0]!, apiKey: '${KEY}' }] }, env).providers[0]!.apiKey).toBe('sk-${not-a-variable}');
  });

  it('refuses a simulated option given twice, and the parsed form on another type', () => {
    expect(issuesOf(() => parseConfig({ providers: [sim('a', { latencyMs: 5, simulated: { latencyMs: 6 } })] }, {}))).toEqual(['providers[0].simulated.latencyMs: given twice: as latencyMs and as simulated.latencyMs']);
    expect(issuesOf(() => parseConfig({ providers: [openai('a', { simulated: { latencyMs: 6 } })] }, {}))).toEqual(['providers[0].simulated: only used by type: simulated (this provider is openai)']);
    expect(issuesOf(() => parseConfig({ providers: [sim('a', { options: { reasoning: true } })] }, {}))).toEqual(['providers[0].options: not used by type: simulated']);
    expect(issuesOf(() => parseConfig({ providers: [sim('a', { simulated: { incidents: [{ provider: 'b', at: 1, for: 1, mode: 'error' }] } })] }, {}))).toEqual([
      'providers[0].simulated.incidents[0].provider: an incident of a provider entry can only name that provider ("a")',
    ]);
  });
});
