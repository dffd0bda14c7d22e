import type { FaultLabel } from '../faults';

export const LABELS_HEADER = 'device,type,kind,start,onset,failure';

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

/** labels.csv: one row per injected fault; onset/failure empty when not (yet) reached. */
export function labelsToCsv(labels: readonly FaultLabel[]): string {
  const rows = labels.map((l) => [l.device, l.type, l.kind, iso(l.start), iso(l.onset), iso(l.failure)].join(','));
  return [LABELS_HEADER, ...rows].join('\n') + '\n';
}
