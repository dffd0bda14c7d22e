import { compileMatchers, formatMatcher, type Matcher } from '../../../libs/alerts/src/model/matchers';
import type { AlertView, Silence } from './api-types';

/**
 * The preview of a silence: which open alerts its matchers select. It uses the server's own
 * matcher code (libs/alerts model/matchers.ts, bundled in), so the preview and the silence agree
 * on anchored regexes and on a missing label matching "" (Alertmanager's rules). Silences match
 * the labels plus severity, as the suppressor does.
 */
export type Preview = { ok: true; matches: AlertView[] } | { ok: false; error: string };

export function parseMatcherLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

export function previewSilence(lines: string[], alerts: readonly AlertView[]): Preview {
  if (!lines.length) return { ok: false, error: 'Add at least one matcher, e.g. site="north-1".' };
  try {
    const matchers = compileMatchers(lines);
    if (matchers.every((m) => m.test({}))) return { ok: false, error: 'At least one matcher must not match an empty label: this silence would mute everything.' };
    return { ok: true, matches: alerts.filter((a) => matchers.every((m) => m.test({ ...a.labels, severity: a.severity }))) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

export const matcherText = (m: Matcher): string => formatMatcher(m);

export type SilenceStatus = 'active' | 'pending' | 'expired';

export function silenceStatus(s: Silence, now = Date.now()): SilenceStatus {
  if (s.endsAt <= now) return 'expired';
  return s.startsAt > now ? 'pending' : 'active';
}
