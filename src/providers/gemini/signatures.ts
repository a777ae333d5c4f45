/**
 * Gemini's thought signatures on function calls: opaque tokens that Gemini 3 attaches to the
 * first function call of each step and requires back on replay (a 400 "Function call is missing
 * a thought_signature" otherwise). They travel on `ToolCall.signature` with vendor `google`.
 */
import { GOOGLE_SIGNATURE_VENDOR as GOOGLE, type ToolCall, type ToolCallSignature } from '../../core/types.js';
/** Google's documented stand-in for a signature the client does not have; Gemini 3 then skips its check. */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator';

/** A `thoughtSignature` read from a part, as a unified signature (none for an absent or empty one). */
export function fromThoughtSignature(value: string | null | undefined): ToolCallSignature | undefined {
  return typeof value === 'string' && value !== '' ? { vendor: GOOGLE, value } : undefined;
}

/** The Gemini signature of a call, if it has one (another vendor's token means nothing to Gemini). */
export function thoughtSignatureOf(call: ToolCall): string | undefined {
  const signature = call.signature as Partial<ToolCallSignature> | undefined;
  return signature?.vendor === GOOGLE && typeof signature.value === 'string' && signature.value !== '' ? signature.value : undefined;
}

/**
 * Whether `model` refuses replayed function calls without a signature: Gemini 3 and later, and
 * names that do not tell their version (`gemini-flash-latest`, `gemini-exp-1206`, tuned models
 * such as `tunedModels/support-bot-2`: only `gemini-…` and `learnlm-…` names tell one). Never for
 * a name that says 1.x or 2.x (`gemini-2.5-flash`, `learnlm-2.0-flash-experimental`), nor for
 * other families served by the API (`gemma-…`).
 */
export function requiresThoughtSignatures(model: string | undefined): boolean {
  const name = model?.split('/').at(-1) ?? '';
  if (name.startsWith('gemma-')) return false;
  if (!name.startsWith('gemini-') && !name.startsWith('learnlm-')) return true;
  // The first `-<major>[.<minor>]` of one or two digits anywhere; 3+ digits are a date or a build, not a version.
  const version = /-(\d{1,2})(?:\.\d{1,2})?(?=-|$)/.exec(name)?.[1];
  return version === undefined || Number(version) >= 3;
}

/**
 * The `thoughtSignature` of each call of one assistant message (one step), `undefined` for none.
 * A Gemini signature goes back as it came. When the model {@link requiresThoughtSignatures}, an
 * unsigned call gets {@link SKIP_SIGNATURE}, unless an earlier call of the step was signed: Gemini
 * signs only the first of parallel calls.
 */
export function stepSignatures(calls: readonly ToolCall[], required: boolean): (string | undefined)[] {
  let signed = false;
  return calls.map((call) => {
    const signature = thoughtSignatureOf(call);
    signed ||= signature !== undefined;
    return signature ?? (required && !signed ? SKIP_SIGNATURE : undefined);
  });
}

/** The warning for calls sent with {@link SKIP_SIGNATURE}, naming them (never a signature). */
export function unsignedCallsWarning(unsigned: readonly ToolCall[]): string | undefined {
  if (unsigned.length === 0) return undefined;
  const calls = unsigned.map((call) => `"${call.name}" (${call.id})`).join(', ');
  return `Gemini 3 and later refuse replayed function calls without their thought signature; ${calls} had none and were sent with "${SKIP_SIGNATURE}" (the model does not see the reasoning behind them)`;
}
