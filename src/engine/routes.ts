/**
 * The route table: which candidates and which strategy serve a request, decided from its
 * `model` field and the conditional `rules` (CONTRACT §2). Built once per configuration.
 */
import type { RuleConfig, StrategyName, SwitchyardConfig } from '../config/types.js';
import { RequestError } from '../core/errors.js';
import type { Strategy } from '../routing/candidate.js';
import { matchRule } from '../routing/rules.js';
import { STRATEGIES } from '../routing/strategies.js';
import { RouteMember, type ProviderHandle } from './provider-handle.js';

/** One route, ready for selection. */
export interface Route {
  name: string;
  strategyName: StrategyName;
  strategy: Strategy;
  members: RouteMember[];
  /** The smallest context window among the members (Infinity when none is set). */
  smallestWindow: number;
  /** Requests routed so far (drives round-robin). */
  sequence: number;
}

/** The names that mean "the default route". */
const DEFAULT_NAMES = new Set(['auto', 'default']);

/** Routes by name, plus one single-provider route per provider name. */
export class RouteTable {
  private readonly routes = new Map<string, Route>();
  private readonly byProvider = new Map<string, Route>();
  private readonly rules: RuleConfig[];

  /** `previous`: the table this one replaces (a reload); a route of the same name keeps its round-robin position. */
  constructor(config: SwitchyardConfig, handles: ReadonlyMap<string, ProviderHandle>, previous?: RouteTable) {
    this.rules = config.rules;
    for (const [name, route] of Object.entries(config.routes)) {
      const members = route.providers.map((provider, index) => new RouteMember(handles.get(provider)!, index));
      const sequence = previous?.routes.get(name)?.sequence ?? 0;
      this.routes.set(name, { name, strategyName: route.strategy, strategy: STRATEGIES[route.strategy], members, smallestWindow: smallestWindow(members), sequence });
    }
    for (const handle of handles.values()) {
      const members = [new RouteMember(handle, 0)];
      this.byProvider.set(handle.name, { name: handle.name, strategyName: 'priority', strategy: STRATEGIES.priority, members, smallestWindow: smallestWindow(members), sequence: 0 });
    }
  }

  /** Route names and provider names a client may put in `model`. */
  names(): { routes: string[]; providers: string[] } {
    return { routes: [...this.routes.keys()], providers: [...this.byProvider.keys()] };
  }

  get(name: string): Route | undefined {
    return this.routes.get(name);
  }

  /**
   * The route for a request. Rules apply to requests that name no route (absent, `auto`,
   * `default`), and rules with a `model` condition to requests naming that model; an
   * explicit route or provider name is otherwise obeyed as is.
   */
  resolve(facts: { model: string | undefined; inputTokens: number; task: string | undefined; stream: boolean }): Route {
    const model = facts.model;
    const unnamed = model === undefined || model === '' || DEFAULT_NAMES.has(model);
    const applicable = unnamed ? this.rules : this.rules.filter((rule) => rule.when.model === model);
    if (applicable.length > 0) {
      const ruleFacts = { inputTokens: facts.inputTokens, stream: facts.stream, ...(facts.task === undefined ? {} : { task: facts.task }), ...(model === undefined ? {} : { model }) };
      const target = matchRule(applicable, ruleFacts);
      if (target !== undefined) return this.routes.get(target)!;
    }
    if (unnamed) return this.routes.get('default')!;
    const route = this.routes.get(model) ?? this.byProvider.get(model);
    if (route === undefined) {
      throw new RequestError({ code: 'unknown_model', message: `unknown model '${model}': not a route or provider name`, param: 'model' });
    }
    return route;
  }
}

function smallestWindow(members: readonly RouteMember[]): number {
  let smallest = Infinity;
  for (const member of members) smallest = Math.min(smallest, member.contextWindow ?? Infinity);
  return smallest;
}
