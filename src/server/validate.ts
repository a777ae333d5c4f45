/**
 * The shape of an OpenAI Chat Completions request and of a `/generate` request. A bad body
 * is rejected with a message naming the first offending field, like `messages[0].role`.
 * Fields Switchyard cannot honour (`n` > 1, log probabilities, the deprecated `functions`)
 * are refused the same way; unknown fields are accepted and dropped, as OpenAI-compatible
 * servers do.
 */
import { z } from 'zod';
import { isLevelName, MAX_SCHEMA_DEPTH, nestedDeeperThan } from '../engine/validate-request.js';
import { GatewayError } from './errors.js';

/** A reasoning effort or service tier (see `isLevelName`). */
const levelName = (expected: string) => z.string().refine(isLevelName, { message: `expected ${expected}` });

const finite = () => z.number().refine(Number.isFinite, 'must be a finite number');
const positiveInt = () => z.number().int().min(1);
const range = (min: number, max: number) => z.number().min(min).max(max);
/** A field that may only be absent or null, refused with `why` otherwise. */
const refused = (why: string) => z.null({ error: why }).optional();
/** For checks on fields a body repeats: their issue stops the container under `abortEarly` (see `parseBody`), as a wrong type does. */
const ABORT = { abort: true } as const;
/** A JSON Schema: an object, nested at most {@link MAX_SCHEMA_DEPTH} levels (adapters walk it recursively). */
const jsonSchema = () =>
  z.record(z.string(), z.unknown()).refine((schema) => !nestedDeeperThan(schema, MAX_SCHEMA_DEPTH), { error: `must not nest objects and arrays more than ${MAX_SCHEMA_DEPTH} levels deep`, ...ABORT });
/** OpenAI's rule for the names of tools and schemas. */
const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string().min(1, ABORT), detail: z.enum(['auto', 'low', 'high']).optional() }),
});
const contentPart = z.discriminatedUnion('type', [textPart, imagePart], { error: "must be a content part of type 'text' or 'image_url'" });
const content = z.union([z.string(), z.array(contentPart), z.null()], { error: 'must be a string, an array of content parts, or null' });

/**
 * Google's extension of a tool call (its OpenAI-compatible API's): the call's thought signature,
 * which Gemini 3 wants back. Like unknown fields, one of another shape is ignored, not refused.
 */
const extraContent = z.object({ google: z.object({ thought_signature: z.string().optional() }).optional() }).optional().catch(undefined);

const toolCall = z.object({
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string().min(1, ABORT), arguments: z.string() }),
  extra_content: extraContent,
});

const message = z.discriminatedUnion(
  'role',
  [
    z.object({ role: z.enum(['system', 'developer']), content: z.union([z.string(), z.array(textPart)]), name: z.string().optional() }),
    z.object({ role: z.literal('user'), content: z.union([z.string(), z.array(contentPart)]), name: z.string().optional() }),
    z.object({
      role: z.literal('assistant'),
      content: content.optional(),
      name: z.string().optional(),
      tool_calls: z.array(toolCall).optional(),
      refusal: z.string().nullable().optional(),
    }),
    z.object({ role: z.literal('tool'), content: z.union([z.string(), z.array(textPart)]), tool_call_id: z.string().min(1, ABORT) }),
  ],
  { error: "must be one of 'system', 'developer', 'user', 'assistant', 'tool'" },
);

const tool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().regex(NAME, { error: 'must be 1-64 letters, digits, _ or -', ...ABORT }),
    description: z.string().optional(),
    parameters: jsonSchema().optional(),
    strict: z.boolean().nullable().optional(),
  }),
});

const toolChoice = z.union([
  z.enum(['auto', 'none', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
], { error: "must be 'auto', 'none', 'required' or { type: 'function', function: { name } }" });

const responseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string().regex(NAME, 'must be 1-64 letters, digits, _ or -').optional(),
      description: z.string().optional(),
      schema: jsonSchema().optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
], { error: "must be { type: 'text' | 'json_object' | 'json_schema' }" });

/**
 * An object of at most `max` entries, counted before any entry is checked: zod checks every
 * entry of a record, `abortEarly` or not, and 100,000 bad ones cost a fifth of a second.
 */
const atMostEntries = <T extends z.ZodType>(max: number, record: T) =>
  z.preprocess((value, ctx) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > max) {
      ctx.addIssue({ code: 'custom', message: `must have at most ${max} entries`, input: value });
      return z.NEVER;
    }
    return value;
  }, record);

/** At most this many token ids: far more than any real use, far fewer than a body can hold. */
const MAX_LOGIT_BIAS = 1024;
/** Token id → bias, as OpenAI takes it (`{"50256": -100}`). */
const logitBias = atMostEntries(
  MAX_LOGIT_BIAS,
  z.record(z.string().regex(/^\d+$/), range(-100, 100), {
    error: (issue) => (issue.code === 'invalid_key' ? 'keys must be token ids (digits)' : undefined),
  }),
);
/** OpenAI's limit for `metadata`: 16 pairs. */
const MAX_METADATA = 16;

const NO_LOGPROBS = 'log probabilities are not supported: no provider adapter returns them';
const NO_FUNCTIONS = 'the deprecated functions and function_call are not supported: use tools and tool_choice';

/** An OpenAI Chat Completions request body. */
export const chatCompletionSchema = z
  .object({
    model: z.string().min(1).optional(),
    messages: z.array(message).min(1, 'must be a non-empty array'),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
    max_tokens: positiveInt().nullable().optional(),
    max_completion_tokens: positiveInt().nullable().optional(),
    temperature: range(0, 2).nullable().optional(),
    top_p: range(0, 1).nullable().optional(),
    n: z.literal(1, 'only n = 1 is supported').nullable().optional(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullable().optional(),
    presence_penalty: range(-2, 2).nullable().optional(),
    frequency_penalty: range(-2, 2).nullable().optional(),
    logit_bias: logitBias.nullable().optional(),
    seed: z.number().int().nullable().optional(),
    user: z.string().optional(),
    tools: z.array(tool).optional(),
    tool_choice: toolChoice.optional(),
    parallel_tool_calls: z.boolean().nullable().optional(),
    response_format: responseFormat.optional(),
    // Any lower-case word: OpenAI adds levels (`none`, `xhigh`) and tiers; the upstream judges them.
    reasoning_effort: levelName('a lower-case word such as "low" or "high"').nullable().optional(),
    service_tier: levelName('a lower-case word such as "auto" or "flex"').nullable().optional(),
    store: z.boolean().nullable().optional(),
    metadata: atMostEntries(MAX_METADATA, z.record(z.string(), z.string())).nullable().optional(),
    logprobs: z.literal(false, NO_LOGPROBS).nullable().optional(),
    top_logprobs: z.literal(0, NO_LOGPROBS).nullable().optional(),
    functions: refused(NO_FUNCTIONS),
    function_call: refused(NO_FUNCTIONS),
  })
  .superRefine((body, ctx) => {
    if (body.stream_options != null && body.stream !== true) {
      ctx.addIssue({ code: 'custom', path: ['stream_options'], message: 'only allowed when stream is enabled (stream: true)' });
    }
  });
export type ChatCompletionBody = z.output<typeof chatCompletionSchema>;

/** The simple API's body (CONTRACT §3 `/generate`). */
export const generateSchema = z.object({
  prompt: z.string().min(1, 'must be a non-empty string'),
  model: z.string().min(1).optional(),
  max_tokens: positiveInt().optional(),
  temperature: range(0, 2).optional(),
  strategy: z.string().min(1).optional(),
  task: z.string().min(1).optional(),
});
export type GenerateBody = z.output<typeof generateSchema>;

/**
 * Containers stop at their first bad child: collecting an issue for each of 500,000 bad
 * messages in a 1 MB body costs seconds of CPU, and every other client waits. Zod reads this
 * option (its `validate` sets it) but types it as internal; a test in bad-input guards it.
 */
const FIRST_ISSUE = { abortEarly: true } as z.core.ParseContext<z.core.$ZodIssue>;
/** Bodies from this size on stop at their first issue; a smaller one parses faster without the option (~1.5 µs). */
const FIRST_ISSUE_FROM_BYTES = 16_384;

/** Parses `value` (a body of `bytes` bytes) with `schema` or throws a 400 naming the first bad field. */
export function parseBody<T extends z.ZodType>(schema: T, value: unknown, bytes: number): z.output<T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GatewayError(400, 'invalid_request', 'the request body must be a JSON object');
  }
  const result = bytes < FIRST_ISSUE_FROM_BYTES ? schema.safeParse(value) : schema.safeParse(value, FIRST_ISSUE);
  if (result.success) return result.data;
  const issue = mostSpecific(result.error.issues[0] as Issue);
  const param = formatPath(issue.path);
  const why = issue.message;
  throw new GatewayError(400, 'invalid_request', param === '' ? why : `${param}: ${why}`, param === '' ? null : param);
}

type Issue = { path: PropertyKey[]; message: string; code?: string; errors?: Issue[][] };

/** For a failed union, the issue of the branch that got furthest into the value (when one did). */
function mostSpecific(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || issue.errors === undefined) return issue;
  let best: Issue | undefined;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first === undefined) continue;
    const inner = mostSpecific(first);
    if (inner.path.length > 0 && (best === undefined || inner.path.length > best.path.length)) best = inner;
  }
  return best === undefined ? issue : { ...best, path: [...issue.path, ...best.path] };
}

/** `['messages', 0, 'role']` → `messages[0].role`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}
