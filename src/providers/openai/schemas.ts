/**
 * zod schemas of the OpenAI Chat Completions replies Switchyard reads: strict on the fields
 * it uses, lenient on everything else (unknown fields are ignored, optional ones may be null).
 */
import { z } from 'zod';

const tokens = z.number().int().nonnegative();

/** Usage block of a reply or of the final stream chunk. */
export const UsageSchema = z.object({
  prompt_tokens: tokens.nullish(),
  completion_tokens: tokens.nullish(),
  // Only to detect servers that leave reasoning out of completion_tokens: an odd value is ignored, never malformed.
  total_tokens: tokens.nullish().catch(undefined),
  completion_tokens_details: z.object({ reasoning_tokens: tokens.nullish().catch(undefined) }).nullish().catch(undefined),
  // Prompt-cache counts, parts of prompt_tokens (cache_write_tokens: OpenRouter and newer SDKs); an odd value is ignored.
  prompt_tokens_details: z
    .object({ cached_tokens: tokens.nullish().catch(undefined), cache_write_tokens: tokens.nullish().catch(undefined) })
    .nullish()
    .catch(undefined),
  // DeepSeek's cache reads (hit + miss = prompt_tokens), where it sends no prompt_tokens_details.
  prompt_cache_hit_tokens: tokens.nullish().catch(undefined),
  // LiteLLM's cache writes (in front of Anthropic or Bedrock), part of its prompt_tokens.
  cache_creation_input_tokens: tokens.nullish().catch(undefined),
});
export type OpenAIUsage = z.infer<typeof UsageSchema>;

const ToolCallSchema = z.object({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

/** A non-streaming `chat.completion` reply. */
export const CompletionSchema = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          refusal: z.string().nullish(),
          tool_calls: z.array(ToolCallSchema).nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: UsageSchema.nullish(),
});
export type Completion = z.infer<typeof CompletionSchema>;

const ToolCallDeltaSchema = z.object({
  index: z.number().int().nonnegative(),
  id: z.string().nullish(),
  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

/** One `chat.completion.chunk` of a stream (the usage chunk has `choices: []`). */
export const ChunkSchema = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        index: z.number().int().nonnegative().optional(),
        delta: z
          .object({
            content: z.string().nullish(),
            refusal: z.string().nullish(),
            tool_calls: z.array(ToolCallDeltaSchema).nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: UsageSchema.nullish(),
});
export type Chunk = z.infer<typeof ChunkSchema>;

