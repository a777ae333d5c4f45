/**
 * zod schemas of the Ollama `/api/chat` replies Switchyard reads: strict on the fields it
 * uses, lenient on everything else (`created_at`, durations, `thinking`, `logprobs` are ignored).
 */
import { z } from 'zod';

const count = z.number().int().nonnegative();

/** A tool call as Ollama sends it: arguments are a JSON object (`id` only from newer servers). */
export const ToolCallSchema = z.object({
  id: z.string().nullish(),
  function: z.object({
    index: z.number().int().nonnegative().nullish(),
    name: z.string(),
    arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).nullish(),
  }),
});
export type OllamaToolCall = z.infer<typeof ToolCallSchema>;

/** Token counts and the stop reason, present on a complete reply and on the final stream line. */
const Totals = {
  done_reason: z.string().nullish(),
  prompt_eval_count: count.nullish(),
  eval_count: count.nullish(),
};

/** A non-streaming reply (`stream: false`): one object with `done: true`. */
export const ReplySchema = z.object({
  model: z.string().nullish(),
  message: z.object({ content: z.string(), tool_calls: z.array(ToolCallSchema).nullish() }),
  done: z.literal(true),
  ...Totals,
});
export type Reply = z.infer<typeof ReplySchema>;

/** One NDJSON line of a stream: a `done: false` delta, or the final `done: true` line with the totals. */
export const ChunkSchema = z.object({
  model: z.string().nullish(),
  message: z.object({ content: z.string().nullish(), tool_calls: z.array(ToolCallSchema).nullish() }).nullish(),
  done: z.boolean(),
  ...Totals,
});
export type Chunk = z.infer<typeof ChunkSchema>;


