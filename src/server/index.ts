/** The HTTP gateway (CONTRACT §3). */
export { createGateway, type Gateway, type GatewayOptions } from './gateway.js';
export { statusForCode, toHttpFailure, GatewayError } from './errors.js';
export { demoConfig } from './demo.js';
