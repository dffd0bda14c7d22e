import { ForbiddenException } from '@nestjs/common';
import { parseMatcher } from '../model/matchers';
import { assertMaySilence, pinnedSites, silenceReachesSites } from './silence-scope';

const crew = (sites: string[] | null) => ({ id: '1', name: 'crew', role: 'crew' as const, sites });

describe('silence scope', () => {
  describe(pinnedSites.name, () => {
    it('names the sites of equality matchers only', () => {
      expect(pinnedSites(['site="a"', 'site=~"b"', 'device="d"', { name: 'site', op: '=', value: 'c' }, 'not a matcher'])).toEqual(['a', 'c']);
    });
  });

  describe(assertMaySilence.name, () => {
    it('lets operators and admins silence without a site', () => {
      expect(() => assertMaySilence({ id: '1', name: 'op', role: 'operator' }, ['alertname="X"'])).not.toThrow();
    });

    it('refuses a crew silence without site="…", or on a site the key does not see', () => {
      expect(() => assertMaySilence(crew(null), ['alertname="X"'])).toThrow(ForbiddenException);
      expect(() => assertMaySilence(crew(['north']), ['site="south"'])).toThrow(/south/);
      expect(() => assertMaySilence(crew(['north']), ['site="north"', 'site="south"'])).toThrow(/south/);
      expect(() => assertMaySilence(crew(['north']), undefined)).toThrow(ForbiddenException);
    });

    it("accepts a crew silence pinned to one of the key's sites", () => {
      expect(() => assertMaySilence(crew(['north', 'east']), ['site="east"', 'severity!="critical"'])).not.toThrow();
      expect(() => assertMaySilence(crew(null), ['site="anywhere"'])).not.toThrow();
    });
  });

  describe(silenceReachesSites.name, () => {
    const m = (...texts: string[]) => texts.map(parseMatcher);
    it('follows the site matchers, and takes a silence without one as reaching every site', () => {
      expect(silenceReachesSites(m('site="north"'), ['north'])).toBe(true);
      expect(silenceReachesSites(m('site="south"'), ['north'])).toBe(false);
      expect(silenceReachesSites(m('site=~"no.*"'), ['north'])).toBe(true);
      expect(silenceReachesSites(m('site!="north"'), ['north', 'east'])).toBe(true);
      expect(silenceReachesSites(m('device="d1"'), ['north'])).toBe(true);
    });
  });
});
