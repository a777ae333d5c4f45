/** `POST /providers/{name}/{disable|enable|open|reset}`: operator actions, behind the admin key when set. */
import { OPERATOR_ACTIONS, type OperatorAction } from '../../engine/status.js';
import { GatewayError } from '../errors.js';
import type { Exchange, GatewayContext } from '../context.js';
import { sendJson } from '../http.js';
import { shown } from './status.js';

export function operate(ctx: GatewayContext, exchange: Exchange, params: Record<string, string>): void {
  if (!ctx.adminKey.accepts(exchange.req.headers)) {
    throw new GatewayError(401, 'invalid_api_key', 'missing or invalid admin key: send "Authorization: Bearer <adminKey>" or "x-api-key: <adminKey>"');
  }
  const action = params.action!;
  if (!OPERATOR_ACTIONS.has(action)) throw new GatewayError(404, 'not_found', `unknown action '${action}': use disable, enable, open or reset`);
  const reason = exchange.query.get('reason') ?? undefined;
  exchange.req.resume();
  sendJson(exchange.res, 200, shown(ctx.engine.operate(params.name!, action as OperatorAction, reason), ctx.secrets));
}
