/**
 * Configuration keys whose feature is not built yet. They keep their real schema so that
 * enabling one is deleting its line from {@link NOT_YET_SUPPORTED}; until then any value is
 * rejected with a "not supported yet" issue rather than accepted and ignored.
 */
import { z } from 'zod';

/** A gated feature, named by where its key lives. */
export type GatedFeature = 'cache' | 'store' | 'budget' | 'providers.limits' | 'providers.budget';

/** Features whose keys are rejected for now. */
export const NOT_YET_SUPPORTED: ReadonlySet<GatedFeature> = new Set<GatedFeature>([
  'cache',
  'store',
  'budget',
  'providers.limits',
  'providers.budget',
]);

const WHAT: Record<GatedFeature, string> = {
  cache: 'response caching',
  store: 'shared state stores (Redis)',
  budget: 'spend budgets',
  'providers.limits': 'local rate quotas (rpm/tpm)',
  'providers.budget': 'per-provider spend budgets',
};

/**
 * An optional key: `schema` when the feature is enabled, otherwise a schema that accepts
 * only absence and reports any value as not supported yet.
 */
export function gated<T extends z.ZodType>(feature: GatedFeature, schema: T): z.ZodType<z.output<T> | undefined> {
  if (!NOT_YET_SUPPORTED.has(feature)) return schema.optional();
  return z
    .unknown()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      ctx.addIssue({
        code: 'custom',
        message: `not supported yet: this version of switchyard has no ${WHAT[feature]}; remove this key`,
      });
    })
    .transform(() => undefined)
    .optional();
}
