/**
 * zod schemas of the Anthropic Messages replies and SSE events Switchyard reads: strict on
 * the fields it uses, lenient on the rest (unknown fields, block types and events are ignored).
 */
import { z } from 'zod';

const tokens = z.number().int().nonnegative();

/** Usage of a reply, of `message_start` and of `message_delta` (cumulative counts). */
export const UsageSchema = z.object({
  input_tokens: tokens.nullish(),
  output_tokens: tokens.nullish(),
  cache_creation_input_tokens: tokens.nullish(),
  cache_read_input_tokens: tokens.nullish(),
});
export type AnthropicUsage = z.infer<typeof UsageSchema>;

const TextBlockSchema = z.object({ type: z.literal('text'), text: z.string() });
const ToolUseBlockSchema = z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() });
/** Blocks Switchyard does not read (thinking, server tools, …): only their type is checked. */
const OtherBlockSchema = z.object({ type: z.string().refine((type) => type !== 'text' && type !== 'tool_use') });
const ContentBlockSchema = z.union([TextBlockSchema, ToolUseBlockSchema, OtherBlockSchema]);

/** A non-streaming `message` reply. */
export const MessageSchema = z.object({
  id: z.string().nullish(),
  type: z.literal('message').optional(),
  model: z.string().nullish(),
  content: z.array(ContentBlockSchema),
  stop_reason: z.string().nullish(),
  usage: UsageSchema.nullish(),
});
export type AnthropicMessageReply = z.infer<typeof MessageSchema>;

/** `message_start`: id, model and the input token count. */
export const MessageStartSchema = z.object({
  type: z.literal('message_start'),
  message: z.object({ id: z.string().nullish(), model: z.string().nullish(), usage: UsageSchema.nullish() }),
});

/** `content_block_start`: a text or tool_use block opens at `index`. */
export const ContentBlockStartSchema = z.object({
  type: z.literal('content_block_start'),
  index: z.number().int().nonnegative(),
  content_block: ContentBlockSchema,
});

const TextDeltaSchema = z.object({ type: z.literal('text_delta'), text: z.string() });
const InputJsonDeltaSchema = z.object({ type: z.literal('input_json_delta'), partial_json: z.string() });
/** Deltas Switchyard does not read (thinking_delta, signature_delta, citations_delta, …). */
const OtherDeltaSchema = z.object({ type: z.string().refine((type) => type !== 'text_delta' && type !== 'input_json_delta') });

/** `content_block_delta`: text or partial tool-input JSON for the block at `index`. */
export const ContentBlockDeltaSchema = z.object({
  type: z.literal('content_block_delta'),
  index: z.number().int().nonnegative(),
  delta: z.union([TextDeltaSchema, InputJsonDeltaSchema, OtherDeltaSchema]),
});

/** `content_block_stop`: the block at `index` is complete. */
export const ContentBlockStopSchema = z.object({ type: z.literal('content_block_stop'), index: z.number().int().nonnegative() });

/** `message_delta`: the stop reason and the cumulative output token count. */
export const MessageDeltaSchema = z.object({
  type: z.literal('message_delta'),
  delta: z.object({ stop_reason: z.string().nullish() }),
  usage: UsageSchema.nullish(),
});

/** Any event: its `type` decides which schema applies (`message_stop`, `ping` have no other fields). */
export const EventSchema = z.looseObject({ type: z.string() });
