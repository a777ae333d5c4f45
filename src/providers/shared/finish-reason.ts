/**
 * Finish reasons: each provider declares one table from its raw values to the unified ones;
 * unknown raw values map to `other`, keeping the raw value (Vercel AI SDK's `{ unified, raw }`).
 */
import type { FinishReason } from '../../core/types.js';

/** A provider's raw finish reasons → unified ones. */
export type FinishReasonTable = Readonly<Record<string, FinishReason['unified']>>;

/** Maps a raw finish reason with `table`; absent or unknown values give `other`. */
export function mapFinishReason(table: FinishReasonTable, raw: string | null | undefined): FinishReason {
  if (raw === null || raw === undefined || raw === '') return { unified: 'other', raw: undefined };
  return { unified: Object.hasOwn(table, raw) ? table[raw]! : 'other', raw };
}
