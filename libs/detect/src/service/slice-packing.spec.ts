import type { ScoringInput } from './detection-engine';
import { SlicePacker, SliceUnpacker } from './slice-packing';

describe('slice packing for the detection thread', () => {
  const meter = { id: 'm-1', type: 'smart-meter' as const, family: 'energy' as const, site: 's-1' };
  const reading = (device: ScoringInput['device'], ts: number, readings: ScoringInput['record']['readings']): ScoringInput => ({ device, record: { ts, readings } });
  /** Through a structured clone, as postMessage does. */
  const roundTrip = (packer: SlicePacker, unpacker: SliceUnpacker, slice: ScoringInput[]) => unpacker.unpack(structuredClone(packer.pack(slice)));

  it('delivers every reading as it was: numbers (−0 too), other values, key orders, changed device refs', () => {
    const packer = new SlicePacker(1000);
    const unpacker = new SliceUnpacker();
    const moved = { ...meter, site: 's-2' };
    const slices: ScoringInput[][] = [
      [reading(meter, 1, { power_w: 1.5, voltage_v: 230 }), reading(meter, 2, { power_w: -0, voltage_v: 1e-300 }), reading({ ...meter, id: 'm-2' }, 3, { power_w: 7 })],
      // A string value, a key order of its own, a missing key, a new ref for the same device.
      [reading(meter, 4, { power_w: 2, status: 'tripped' }), reading(meter, 5, { voltage_v: 231, power_w: 3 }), reading(moved, 6, { power_w: 4 })],
      [reading(moved, 7, { power_w: 5, voltage_v: 229 })],
    ];
    for (const slice of slices) {
      const back = roundTrip(packer, unpacker, slice);
      expect(back).toEqual(slice);
      back.forEach((r, i) => {
        expect(Object.keys(r.record.readings)).toEqual(Object.keys(slice[i].record.readings));
        expect(Object.is(r.record.readings.power_w, slice[i].record.readings.power_w)).toBe(true);
      });
    }
  });

  it('sends a device ref and a key list once, and starts both tables over beyond its bound', () => {
    const packer = new SlicePacker(2);
    const unpacker = new SliceUnpacker();
    const first = packer.pack([reading(meter, 1, { power_w: 1 }), reading(meter, 2, { power_w: 2 })]);
    expect(first.devices).toHaveLength(1);
    expect(first.keyLists).toHaveLength(1);
    unpacker.unpack(first);
    const again = packer.pack([reading(meter, 3, { power_w: 3 })]);
    expect(again.devices).toHaveLength(0);
    expect(again.keyLists).toHaveLength(0);
    unpacker.unpack(again);
    const many = [1, 2, 3].map((k) => reading({ ...meter, id: `m-${k + 1}` }, 4, { power_w: k }));
    unpacker.unpack(packer.pack(many));
    const after = packer.pack([reading(meter, 5, { power_w: 5 })]);
    expect(after.reset).toBe(true);
    expect(after.devices).toHaveLength(1);
    expect(unpacker.unpack(after)).toEqual([reading(meter, 5, { power_w: 5 })]);
  });
});

describe('slice packing: device refs', () => {
  it('does not send a device again for a new but equal ref object (ingest makes one per reading)', () => {
    const packer = new SlicePacker(1000);
    const ref = () => ({ id: 'm-1', type: 'smart-meter' as const, family: 'energy' as const, site: 's-1' });
    packer.pack([{ device: ref(), record: { ts: 1, readings: { power_w: 1 } } }]);
    const next = packer.pack([{ device: ref(), record: { ts: 2, readings: { power_w: 2 } } }]);
    expect(next.devices).toEqual([]);
  });
});
