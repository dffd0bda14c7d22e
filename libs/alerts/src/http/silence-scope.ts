import { ForbiddenException } from '@nestjs/common';
import type { ApiCaller } from '@gridproof/registry';
import { callerSeesSite } from '@gridproof/registry';
import { compileMatcher, Matcher, parseMatcher } from '../model/matchers';

/**
 * Crews may silence their own sites, not the fleet: a crew's silence must carry an equality
 * matcher `site="<one of its sites>"` (its other matchers narrow it further), so it can never
 * mute another site's alerts. Operators and admins silence anything. A site-scoped key lists
 * only the silences that could mute one of its sites' alerts.
 */

/** The site an equality matcher pins the silence to, if any (`site="north-1"`). */
export function pinnedSites(matchers: ReadonlyArray<string | Matcher>): string[] {
  const out: string[] = [];
  for (const raw of matchers) {
    let m: Matcher;
    try {
      m = typeof raw === 'string' ? parseMatcher(raw) : raw;
    } catch {
      continue; // the service names the bad matcher with a 400
    }
    if (m?.name === 'site' && m.op === '=') out.push(m.value);
  }
  return out;
}

/** Throws 403 unless this caller may create or expire a silence with these matchers. */
export function assertMaySilence(caller: ApiCaller, matchers: unknown): void {
  if (caller.role !== 'crew') return;
  const list = Array.isArray(matchers) ? (matchers as Array<string | Matcher>) : [];
  const sites = pinnedSites(list);
  if (!sites.length) throw new ForbiddenException('a crew silence needs a matcher site="<site>" naming one of your sites');
  // Several site= matchers can only all hold for one site; every one must be the caller's.
  const foreign = sites.find((s) => !callerSeesSite(caller, s));
  if (foreign !== undefined) throw new ForbiddenException(`site "${foreign}" is not one of this key's sites`);
}

/** Could this silence mute an alert of one of `sites`? (Its site matchers hold for that site.) */
export function silenceReachesSites(matchers: readonly Matcher[], sites: readonly string[]): boolean {
  const siteMatchers = matchers.filter((m) => m.name === 'site').map(compileMatcher);
  return sites.some((site) => siteMatchers.every((m) => m.test({ site })));
}
