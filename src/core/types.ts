/**
 * The unified request, response and stream-part model that every adapter translates to and
 * from. Unknown values are `undefined`, never a fake 0.
 */

/** A part of a multimodal message. Adapters that cannot carry a part type warn. */
export type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; url: string; detail?: 'auto' | 'low' | 'high' };

/** A tool call requested by the model. `arguments` is the raw JSON text. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
  /**
   * The model's opaque token for this call (Gemini 3's thought signature), to be sent back
   * unchanged when the conversation is replayed: keep the call as you received it. Never logged.
   */
  signature?: ToolCallSignature;
}

/**
 * An opaque token a model attached to a tool call. Only the adapters of its `vendor` send it
 * back (`google`: Gemini's `thoughtSignature`, `extra_content.google.thought_signature` on the
 * gateway); others leave it out.
 */
export interface ToolCallSignature {
  /** Who issued it, e.g. `google`. */
  vendor: string;
  /** The token, verbatim. */
  value: string;
}

/** The `vendor` of Gemini's thought signatures (`extra_content.google` on the gateway). */
export const GOOGLE_SIGNATURE_VENDOR = 'google';

/** One message of a conversation. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | ContentPart[] | null;
  name?: string;
  /** For `role: 'tool'`: the call this message answers. */
  toolCallId?: string;
  /** For `role: 'assistant'`: calls the model made. */
  toolCalls?: ToolCall[];
}

/** A tool the model may call (JSON Schema parameters). */
export interface ToolDefinition {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
  /** Calls must match `parameters` exactly (OpenAI's strict function calling). */
  strict?: boolean;
}

/** The shape the answer must take: free text, any JSON object, or JSON matching `schema`. */
export interface ResponseFormat {
  type: 'text' | 'json_object' | 'json_schema';
  schema?: Record<string, unknown>;
  /** The schema's name (OpenAI's `json_schema.name`). */
  name?: string;
  /** What the schema describes, for the model. */
  description?: string;
  /** The answer must match `schema` exactly (OpenAI's structured outputs). */
  strict?: boolean;
}

/** How hard a reasoning model thinks before answering (OpenAI's `reasoning_effort`). */
export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | (string & {});

/** OpenAI's processing tier (`service_tier`). */
export type ServiceTier = 'auto' | 'default' | 'flex' | 'scale' | 'priority' | (string & {});

/** A chat request in Switchyard's unified shape. */
export interface ChatRequest {
  /** Route, provider name, or `auto`/`default`; absent means the default route. */
  model?: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  tools?: ToolDefinition[];
  toolChoice?: 'auto' | 'none' | 'required' | { name: string };
  responseFormat?: ResponseFormat;
  seed?: number;
  user?: string;
  /** -2 to 2: penalises tokens by how often they already appeared. */
  frequencyPenalty?: number;
  /** -2 to 2: penalises tokens that already appeared at all. */
  presencePenalty?: number;
  /** Token id (in the provider's tokenizer) → bias from -100 to 100. */
  logitBias?: Record<string, number>;
  /** `false`: at most one tool call per answer. */
  parallelToolCalls?: boolean;
  reasoningEffort?: ReasoningEffort;
  serviceTier?: ServiceTier;
  /** Whether OpenAI keeps the completion (for evals and distillation). */
  store?: boolean;
  /** Task tag matched against providers' `capabilities` and against `rules`. */
  task?: string;
  metadata?: Record<string, string>;
}

/** Why generation stopped: a unified value plus the provider's raw value. */
export interface FinishReason {
  unified: 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error' | 'other';
  raw: string | undefined;
}

/**
 * Token usage as reported by the provider; `undefined` where it did not say. `inputTokens` is
 * the whole prompt: the cache counts are parts of it (never more than it), billed at their own prices.
 */
export interface Usage {
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  /** Of `inputTokens`, those read from a prompt cache (OpenAI `cached_tokens`, Anthropic `cache_read_input_tokens`, Gemini `cachedContentTokenCount`). */
  cachedInputTokens?: number | undefined;
  /** Of `inputTokens`, those written to a prompt cache (Anthropic `cache_creation_input_tokens`). */
  cacheWriteInputTokens?: number | undefined;
}

/** A complete answer from one provider. */
export interface ChatResponse {
  /** Provider's response id (or one Switchyard made when the provider gave none). */
  id: string;
  /** The upstream model that answered. */
  model: string;
  content: string;
  toolCalls?: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
  /** Non-fatal notes from the adapter, e.g. a parameter the provider cannot take. */
  warnings?: string[];
}

/**
 * One piece of a streamed answer. A stream is `text-delta`/`tool-call-delta` parts followed
 * by exactly one `finish` part; an `error` part ends a stream that failed after it started.
 * The first part carries `model`, the upstream model that answers, when the wire said it by
 * then (so that every chunk a gateway writes can name the same model). A `text-delta` with
 * `refusal: true` is the model declining (OpenAI's `delta.refusal`); such a stream finishes with
 * raw reason `refusal`. A call's `signature` (see {@link ToolCall}) is on the delta that names it.
 */
export type StreamPart =
  | { type: 'text-delta'; text: string; refusal?: boolean; model?: string }
  | { type: 'tool-call-delta'; index: number; id?: string; name?: string; argumentsDelta: string; model?: string; signature?: ToolCallSignature }
  | { type: 'finish'; finishReason: FinishReason; usage: Usage; model?: string; id?: string; warnings?: string[] }
  | { type: 'error'; error: Error };

/** Per-provider pricing in USD per million tokens. */
export interface Pricing {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Input read from a prompt cache. @default inputPerMTok */
  cachedInputPerMTok?: number | undefined;
  /** Input written to a prompt cache. @default inputPerMTok */
  cacheWriteInputPerMTok?: number | undefined;
}

/**
 * Cost of a call in USD, or `undefined` when usage or pricing is unknown: fresh input at
 * `inputPerMTok`, cache reads and writes at their own prices (else `inputPerMTok`), output at
 * `outputPerMTok`. Without cache prices it is exactly `input × inputPerMTok + output × outputPerMTok`.
 */
export function costOf(usage: Usage, pricing: Pricing | undefined): number | undefined {
  if (pricing === undefined) return undefined;
  if (usage.inputTokens === undefined && usage.outputTokens === undefined) return undefined;
  const input = usage.inputTokens ?? 0;
  const output = (usage.outputTokens ?? 0) * pricing.outputPerMTok;
  if (pricing.cachedInputPerMTok === undefined && pricing.cacheWriteInputPerMTok === undefined) return (input * pricing.inputPerMTok + output) / 1e6;
  // Counts are parts of the input; an inconsistent report never prices more tokens than the input.
  const reads = Math.min(usage.cachedInputTokens ?? 0, input);
  const writes = Math.min(usage.cacheWriteInputTokens ?? 0, input - reads);
  const fresh = input - reads - writes;
  return (
    (fresh * pricing.inputPerMTok +
      reads * (pricing.cachedInputPerMTok ?? pricing.inputPerMTok) +
      writes * (pricing.cacheWriteInputPerMTok ?? pricing.inputPerMTok) +
      output) /
    1e6
  );
}
