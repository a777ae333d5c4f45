/**
 * Anthropic structured outputs: a `json_schema` response format becomes `output_config.format`
 * (GA, no beta header) for Claude 4.5 and later, or when `options.structuredOutputs` forces it;
 * the schema is brought to the subset Anthropic accepts or refused (the engine routes it
 * elsewhere); `json_object`, older models and prefills stay refused. The fake refuses what the
 * real API refuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../src/core/types.js';
import { createAnthropicAdapter, toAnthropicRequest, toAnthropicSchema } from '../../src/providers/anthropic/index.js';
import { anthropicWire } from '../fakes/anthropic.js';
import { collect, failure, fields, names, useFakeUpstream } from './helpers.js';

const upstream = useFakeUpstream(anthropicWire);
const create = (model = 'claude-sonnet-4-5', options: Record<string, unknown> = {}) =>
  createAnthropicAdapter({ name: 'claude', type: 'anthropic', baseUrl: upstream.fake.baseUrl, apiKey: 'sk-ant-test', model, headers: {}, options }, upstream.harness.environment);
const map = (request: ChatRequest, model = 'claude-sonnet-4-5') => toAnthropicRequest(request, { model, stream: false });

const weather = { type: 'object', properties: { city: { type: 'string' }, celsius: { type: 'number' } }, required: ['city', 'celsius'], additionalProperties: false };
const ask = (schema?: Record<string, unknown>, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: 'user', content: 'Weather in Oslo?' }],
  responseFormat: schema === undefined ? { type: 'json_schema', name: 'weather' } : { type: 'json_schema', name: 'weather', schema },
  ...extra,
});
const sentBody = () => upstream.fake.requests.at(-1)!.json as Record<string, unknown>;

describe('which models get output_config.format (by model name)', () => {
  it.each([
    ['claude-sonnet-4-5', true],
    ['claude-sonnet-4-5-20250929', true],
    ['claude-opus-4-5-20251101', true],
    ['claude-haiku-4-5', true],
    ['claude-opus-4-6', true],
    ['claude-sonnet-4-6', true],
    ['claude-opus-4-7', true],
    ['anthropic.claude-sonnet-4-5-20250929-v1:0', true],
    ['claude-haiku-4-5@20251001', true],
    ['claude-sonnet-4.5', true],
    ['claude-opus-5', true],
    ['claude-opus-4-1-20250805', false],
    ['claude-sonnet-4-20250514', false],
    ['claude-opus-4-0', false],
    ['claude-3-7-sonnet-latest', false],
    ['claude-3-5-haiku-20241022', false],
    ['my-proxy-model', false],
  ])('%s: %s', (model, supported) => {
    const refusal = create(model).refuses!(ask(weather));
    if (supported) {
      expect(refusal).toBeUndefined();
      expect(map(ask(weather), model).body).toHaveProperty('output_config');
    } else {
      expect(refusal).toEqual({ param: 'response_format', reason: expect.stringContaining(`Anthropic has no JSON output mode for ${model}`) });
      expect(map(ask(weather), model).body).not.toHaveProperty('output_config');
    }
  });

  it('options.structuredOutputs forces it on for a name that does not tell (a proxy alias) and off for one that does', () => {
    expect(create('my-proxy-model', { structuredOutputs: true }).refuses!(ask(weather))).toBeUndefined();
    expect(create('claude-sonnet-4-5', { structuredOutputs: false }).refuses!(ask(weather))).toMatchObject({ param: 'response_format' });
    expect(toAnthropicRequest(ask(weather), { model: 'my-proxy-model', stream: false, structuredOutputs: true }).body).toHaveProperty('output_config');
    expect(toAnthropicRequest(ask(weather), { model: 'claude-sonnet-4-5', stream: false, structuredOutputs: false }).body).not.toHaveProperty('output_config');
  });
});

describe('the request on the wire', () => {
  it('sends the schema as output_config.format, GA: no anthropic-beta header, no output_format, no warning', async () => {
    upstream.fake.enqueue({ type: 'ok', reply: { content: '{"city":"Oslo","celsius":3}' } });
    const response = await create().chat(ask(weather), upstream.harness.context());
    expect(sentBody().output_config).toEqual({ format: { type: 'json_schema', schema: weather } });
    expect(sentBody()).not.toHaveProperty('output_format');
    expect(sentBody()).not.toHaveProperty('response_format');
    expect(upstream.fake.requests.at(-1)!.headers).not.toHaveProperty('anthropic-beta');
    expect(response).toMatchObject({ content: '{"city":"Oslo","celsius":3}', finishReason: { unified: 'stop' } });
    expect(response).not.toHaveProperty('warnings');
  });

  it('streams the JSON as text deltas', async () => {
    upstream.fake.enqueue({ type: 'ok', reply: { content: '{"city":"Oslo","celsius":3}', chunks: ['{"city":', '"Oslo",', '"celsius":3}'] } });
    const parts = await collect(create().stream(ask(weather), upstream.harness.context()));
    expect(sentBody()).toMatchObject({ stream: true, output_config: { format: { type: 'json_schema', schema: weather } } });
    expect(parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('')).toBe('{"city":"Oslo","celsius":3}');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'stop' } });
  });

  it('keeps tools alongside (JSON outputs and tool use combine)', () => {
    const { body } = map(ask(weather, { tools: [{ name: 'lookup', parameters: { type: 'object', properties: {} } }] }));
    expect(body).toMatchObject({ tools: [{ name: 'lookup' }], output_config: { format: { type: 'json_schema' } } });
  });

  it("puts the format's description into the schema, which has no field of its own for it", () => {
    const { body } = map({ ...ask(weather), responseFormat: { type: 'json_schema', name: 'w', description: 'The weather in one city', schema: weather } });
    expect(body.output_config).toEqual({ format: { type: 'json_schema', schema: { ...weather, description: 'The weather in one city' } } });
  });

  it('a refusal (stop_reason refusal) and a cut (max_tokens) keep their finish reasons', async () => {
    upstream.fake.enqueue({ type: 'ok', reply: { content: 'I cannot help with that.', finish: 'content_filter' } });
    expect(await create().chat(ask(weather), upstream.harness.context())).toMatchObject({ finishReason: { unified: 'content_filter', raw: 'refusal' } });
    upstream.fake.enqueue({ type: 'ok', reply: { content: '{"city":"Os', finish: 'length' } });
    expect(await create().chat(ask(weather), upstream.harness.context())).toMatchObject({ finishReason: { unified: 'length', raw: 'max_tokens' } });
  });
});

describe('the schema, brought to the subset Anthropic accepts', () => {
  it('adds additionalProperties: false to every object (required by Anthropic; narrower, so still valid)', () => {
    const schema = {
      type: 'object',
      properties: { place: { type: 'object', properties: { city: { type: 'string' } } }, days: { type: 'array', items: { $ref: '#/$defs/day' } } },
      $defs: { day: { type: 'object', properties: { high: { type: ['number', 'null'] } } } },
    };
    const { body, warnings } = map(ask(schema));
    expect(body.output_config).toEqual({
      format: {
        type: 'json_schema',
        schema: {
          type: 'object',
          properties: { place: { type: 'object', properties: { city: { type: 'string' } }, additionalProperties: false }, days: { type: 'array', items: { $ref: '#/$defs/day' } } },
          $defs: { day: { type: 'object', properties: { high: { type: ['number', 'null'] } }, additionalProperties: false } },
          additionalProperties: false,
        },
      },
    });
    expect(warnings).toEqual([]);
  });

  it('moves constraints Anthropic does not enforce into descriptions, with one warning naming them', () => {
    const schema = {
      type: 'object',
      properties: {
        age: { type: 'integer', minimum: 0, maximum: 150, description: 'Age in years' },
        code: { type: 'string', minLength: 3, maxLength: 3 },
        site: { type: 'string', format: 'iri' },
        when: { type: 'string', format: 'date-time' },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 5, uniqueItems: true },
        word: { type: 'string', pattern: '^\\bcat\\b$' },
        zip: { type: 'string', pattern: '^\\d{5}$' },
      },
      required: ['age'],
      additionalProperties: false,
    };
    const { body, warnings } = map(ask(schema));
    const sent = (body.output_config as { format: { schema: { properties: Record<string, unknown> } } }).format.schema.properties;
    expect(sent.age).toEqual({ type: 'integer', description: 'Age in years\n\nNot enforced by the output format, but required: minimum 0, maximum 150' });
    expect(sent.code).toEqual({ type: 'string', description: 'Not enforced by the output format, but required: minLength 3, maxLength 3' });
    expect(sent.site).toEqual({ type: 'string', description: 'Not enforced by the output format, but required: format "iri"' });
    expect(sent.when).toEqual({ type: 'string', format: 'date-time' });
    expect(sent.tags).toEqual({ type: 'array', items: { type: 'string' }, minItems: 1, description: 'Not enforced by the output format, but required: maxItems 5, uniqueItems true' });
    expect(sent.word).toEqual({ type: 'string', description: 'Not enforced by the output format, but required: pattern "^\\\\bcat\\\\b$"' });
    expect(sent.zip).toEqual({ type: 'string', pattern: '^\\d{5}$' });
    expect(warnings).toEqual([
      'Anthropic structured outputs do not enforce minimum, maximum, minLength, maxLength, format, maxItems, uniqueItems, pattern; they were moved into the schema descriptions',
    ]);
  });

  it('sends oneOf as anyOf (the union Anthropic takes), with a warning, and drops $schema', () => {
    const schema = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { v: { oneOf: [{ type: 'string' }, { type: 'number' }] } }, additionalProperties: false };
    const { body, warnings } = map(ask(schema));
    expect(body.output_config).toEqual({
      format: { type: 'json_schema', schema: { type: 'object', properties: { v: { anyOf: [{ type: 'string' }, { type: 'number' }] } }, additionalProperties: false } },
    });
    expect(warnings).toEqual(['Anthropic structured outputs do not enforce oneOf; it was sent as anyOf']);
  });

  it.each([
    ['a recursive schema', { type: 'object', properties: { root: { $ref: '#/$defs/node' } }, $defs: { node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } } } } }, 'recursive schemas ($ref #/$defs/node)'],
    ['a schema referring to its root', { type: 'object', properties: { next: { anyOf: [{ $ref: '#' }, { type: 'null' }] } } }, 'recursive schemas ($ref #)'],
    ['an external $ref', { type: 'object', properties: { a: { $ref: 'https://example.com/a.json' } } }, 'external $ref (https://example.com/a.json)'],
    ['additionalProperties other than false', { type: 'object', additionalProperties: { type: 'string' } }, 'additionalProperties other than false (at #)'],
    ['an enum of objects', { type: 'object', properties: { p: { enum: [{ x: 1 }, 'a'] } } }, 'enums of objects or arrays (at #/properties/p)'],
    ['allOf with a $ref', { type: 'object', properties: { p: { allOf: [{ $ref: '#/$defs/a' }] } }, $defs: { a: { type: 'string' } } }, 'allOf with $ref (at #/properties/p)'],
    ['a tuple', { type: 'object', properties: { p: { type: 'array', prefixItems: [{ type: 'string' }] } } }, '"prefixItems" (at #/properties/p)'],
    ['a negation', { type: 'object', properties: { p: { not: { type: 'string' } } } }, '"not" (at #/properties/p)'],
    ['a free-form object (closing it would allow only {})', { type: 'object', properties: { meta: { type: 'object', description: 'Anything' } }, required: ['meta'] }, 'open objects: an object without properties must say additionalProperties: false (at #/properties/meta)'],
    ['a free-form root object', { type: ['object', 'null'] }, 'open objects: an object without properties must say additionalProperties: false (at #)'],
    [
      'recursion through a property named like a keyword (default)',
      { $defs: { node: { type: 'object', properties: { label: { type: 'string' }, default: { $ref: '#/$defs/node' } }, required: ['label'] } }, $ref: '#/$defs/node' },
      'recursive schemas ($ref #/$defs/node)',
    ],
    [
      'recursion through a definition named like a keyword (enum)',
      { type: 'object', properties: { list: { $ref: '#/definitions/enum' } }, definitions: { enum: { type: 'object', properties: { const: { type: 'array', items: { $ref: '#/definitions/enum' } } } } } },
      'recursive schemas ($ref #/definitions/enum)',
    ],
    [
      'more than 24 optional properties in total',
      { type: 'object', properties: { ...fields(13), inner: { type: 'object', properties: fields(12) } }, required: ['inner'] },
      "more than 24 optional properties (25 here, counting every property not in its object's required)",
    ],
    [
      'more than 16 properties with anyOf or a type array (oneOf counts: it is sent as anyOf)',
      { type: 'object', properties: { ...fields(9, { type: ['string', 'null'] }), ...fields(8, { oneOf: [{ type: 'string' }, { type: 'number' }] }, 'u') }, required: [...names(9), ...names(8, 'u')] },
      'more than 16 properties with anyOf or a type array (17 here)',
    ],
  ])('refuses %s, naming it (the engine routes the request elsewhere)', (_name, schema, what) => {
    expect(create().refuses!(ask(schema))).toEqual({ param: 'response_format', reason: `Anthropic structured outputs do not support ${what}` });
  });

  it('takes an explicitly empty object, an object with properties (closed), a property named like a keyword, and schemas at the complexity limits', () => {
    const schema = {
      type: 'object',
      properties: { none: { type: 'object', additionalProperties: false }, place: { type: 'object', properties: { default: { type: 'string' } } }, ...fields(22) },
      required: ['none'],
      additionalProperties: false,
    };
    expect(toAnthropicSchema(schema)).toEqual({
      schema: { ...schema, properties: { ...schema.properties, place: { type: 'object', properties: { default: { type: 'string' } }, additionalProperties: false } } },
      warnings: [],
    });
    const unions = { type: 'object', properties: fields(16, { anyOf: [{ type: 'string' }, { type: 'null' }] }), required: names(16), additionalProperties: false };
    expect(toAnthropicSchema(unions)).toEqual({ schema: unions, warnings: [] });
  });
});

describe('the schema conversion (property)', () => {
  const constraint = fc.record(
    { minimum: fc.integer(), maxLength: fc.nat(), format: fc.constantFrom('email', 'iri', 'date'), pattern: fc.constantFrom('^a+$', '(?=x)'), minItems: fc.nat(3), uniqueItems: fc.boolean(), title: fc.string() },
    { requiredKeys: [] },
  );
  const { schema } = fc.letrec<{ schema: Record<string, unknown> }>((tie) => ({
    schema: fc.oneof(
      { depthSize: 'small' },
      fc.tuple(fc.constantFrom('string', 'number', 'integer', 'boolean'), constraint).map(([type, extra]) => ({ type, ...extra })),
      fc.tuple(tie('schema'), constraint).map(([items, extra]) => ({ type: 'array', items, ...extra })),
      fc.dictionary(fc.constantFrom('a', 'b', 'type', 'minimum'), tie('schema'), { maxKeys: 3 }).map((properties) => ({ type: 'object', properties })),
      fc.array(tie('schema'), { minLength: 1, maxLength: 3 }).map((oneOf) => ({ oneOf })),
    ),
  })) as { schema: fc.Arbitrary<Record<string, unknown>> };
  const ALLOWED = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'default', 'description', 'title', '$ref', '$defs', 'definitions', 'anyOf', 'allOf', 'minItems', 'format', 'pattern']);
  const nodes = (node: unknown): Record<string, unknown>[] => {
    if (typeof node !== 'object' || node === null) return [];
    const record = node as Record<string, unknown>;
    const children = [...Object.values((record.properties as Record<string, unknown>) ?? {}), record.items, ...((record.anyOf as unknown[]) ?? [])];
    return [record, ...children.flatMap(nodes)];
  };

  it('leaves only keywords Anthropic takes, closes every object, and is idempotent (a second pass changes nothing, warns nothing)', () => {
    fc.assert(
      fc.property(schema, (input) => {
        const first = toAnthropicSchema(input);
        if ('problem' in first) return;
        for (const node of nodes(first.schema)) {
          expect(Object.keys(node).filter((key) => !ALLOWED.has(key))).toEqual([]);
          if (node.type === 'object') expect(node.additionalProperties).toBe(false);
          if ('minItems' in node) expect([0, 1]).toContain(node.minItems);
        }
        expect(toAnthropicSchema(first.schema)).toEqual({ schema: first.schema, warnings: [] });
      }),
    );
  });
});

describe('what stays refused', () => {
  it('json_object: Anthropic has no schema-less JSON mode', () => {
    expect(create().refuses!({ messages: [{ role: 'user', content: 'Hi' }], responseFormat: { type: 'json_object' } })).toEqual({
      param: 'response_format',
      reason: 'Anthropic has no schema-less JSON mode; only a json_schema response format with a schema can be enforced',
    });
  });

  it('json_schema without a schema', () => {
    expect(create().refuses!(ask())).toEqual({ param: 'response_format', reason: 'Anthropic has no schema-less JSON mode; only a json_schema response format with a schema can be enforced' });
  });

  it('a conversation ending with an assistant turn (a prefill, which JSON outputs cannot continue)', () => {
    const request = ask(weather, { messages: [{ role: 'user', content: 'Weather in Oslo?' }, { role: 'assistant', content: '{"city":' }] });
    expect(create().refuses!(request)).toEqual({ param: 'response_format', reason: 'Anthropic structured outputs cannot continue a prefilled assistant turn' });
  });

  it('text needs nothing', () => {
    expect(create().refuses!({ messages: [{ role: 'user', content: 'Hi' }], responseFormat: { type: 'text' } })).toBeUndefined();
  });
});

describe('the fake, as the real API', () => {
  it('refuses output_config.format for a model without structured outputs (forced on by the option)', async () => {
    const error = await failure(create('claude-sonnet-4-20250514', { structuredOutputs: true }).chat(ask(weather), upstream.harness.context()));
    expect([error.kind, error.status]).toEqual(['bad_request', 400]);
    expect(error.message).toContain('claude-sonnet-4-20250514');
  });

  it('refuses the deprecated beta field output_format, and a format that is not a json_schema with a schema', async () => {
    const post = (body: Record<string, unknown>) =>
      fetch(`${upstream.fake.baseUrl}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }], ...body }),
      });
    const beta = await post({ output_format: { type: 'json_schema', schema: weather } });
    expect(beta.status).toBe(400);
    expect(await beta.json()).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining("Use 'output_config.format' instead") } });
    const schemaless = await post({ output_config: { format: { type: 'json_schema' } } });
    expect(schemaless.status).toBe(400);
    const ok = await post({ output_config: { format: { type: 'json_schema', schema: weather } } });
    expect(ok.status).toBe(200);
  });
});
