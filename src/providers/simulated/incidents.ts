/**
 * Scripted incidents (CONTRACT §5): which ones cover a moment, with times in seconds since
 * the engine started and optional recurrence every `every` seconds.
 */
import type { Incident } from '../../config/types.js';

/** Whether `incident` covers `elapsedS` seconds after engine start. */
export function isIncidentActive(incident: Incident, elapsedS: number): boolean {
  const since = elapsedS - incident.at;
  if (since < 0) return false;
  const phase = incident.every !== undefined && incident.every > 0 ? since % incident.every : since;
  return phase < incident.for;
}

/** The incidents of `provider` (those naming no provider apply to it too) active at `elapsedS`. */
export function activeIncidents(incidents: readonly Incident[], provider: string, elapsedS: number): Incident[] {
  return incidents.filter(
    (incident) => (incident.provider === undefined || incident.provider === provider) && isIncidentActive(incident, elapsedS),
  );
}
