/**
 * zod schemas of the Gemini `GenerateContentResponse` (the non-streaming reply and each SSE
 * chunk): strict on the fields Switchyard reads, lenient on everything else. Gemini writes
 * proto3 JSON, so zero counts and empty lists may be omitted entirely.
 */
import { z } from 'zod';

const tokens = z.number().int().nonnegative();

/** `usageMetadata`: counts Gemini reports (absent ones are zero or unknown). */
export const UsageMetadataSchema = z.object({
  promptTokenCount: tokens.nullish(),
  // Only for pricing cache reads: an odd value is ignored, never malformed.
  cachedContentTokenCount: tokens.nullish().catch(undefined),
  candidatesTokenCount: tokens.nullish(),
  thoughtsTokenCount: tokens.nullish(),
  toolUsePromptTokenCount: tokens.nullish(),
  totalTokenCount: tokens.nullish(),
});
export type UsageMetadata = z.infer<typeof UsageMetadataSchema>;

/** One part of a candidate: text (possibly a thought summary) or a function call, maybe with its thought signature. */
const PartSchema = z.object({
  text: z.string().nullish(),
  thought: z.boolean().nullish(),
  thoughtSignature: z.string().nullish(),
  functionCall: z
    .object({
      id: z.string().nullish(),
      name: z.string(),
      args: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
});
export type Part = z.infer<typeof PartSchema>;

const CandidateSchema = z.object({
  content: z.object({ parts: z.array(PartSchema).nullish(), role: z.string().nullish() }).nullish(),
  finishReason: z.string().nullish(),
  finishMessage: z.string().nullish(),
  index: z.number().int().nonnegative().nullish(),
});
export type Candidate = z.infer<typeof CandidateSchema>;

/** A `GenerateContentResponse`: the whole reply, or one chunk of a stream. */
export const GenerateContentResponseSchema = z.object({
  candidates: z.array(CandidateSchema).nullish(),
  promptFeedback: z.object({ blockReason: z.string().nullish(), blockReasonMessage: z.string().nullish() }).nullish(),
  usageMetadata: UsageMetadataSchema.nullish(),
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
});
export type GenerateContentResponse = z.infer<typeof GenerateContentResponseSchema>;

