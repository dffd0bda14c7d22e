import { Readable } from 'node:stream';
import { CsvInputError, readTable, TableOptions, TableRow } from './csv-table';
import { parseDelimiterOption, sniffDelimiter } from './delimiter';

async function read(csv: string, o: TableOptions = {}) {
  const t = await readTable(Readable.from([csv]), o);
  const rows: TableRow[] = [];
  for await (const r of t.rows) rows.push(r);
  return { layout: t.layout, rows };
}

async function failure(csv: string, o: TableOptions = {}): Promise<CsvInputError> {
  try {
    await read(csv, o);
  } catch (err) {
    expect(err).toBeInstanceOf(CsvInputError);
    return err as CsvInputError;
  }
  throw new Error('expected a CsvInputError');
}

describe('sniffDelimiter', () => {
  it('tells comma, semicolon and tab from the header, ignoring quoted names', () => {
    expect(sniffDelimiter('timestamp,a,b')).toBe(',');
    expect(sniffDelimiter('timestamp;"power, W";b')).toBe(';');
    expect(sniffDelimiter('timestamp\ta\tb')).toBe('\t');
    expect(sniffDelimiter('value')).toBe(',');
  });

  it('refuses a header as ambiguous rather than guessing', () => {
    expect(() => sniffDelimiter('a,b;c')).toThrow(/as many commas as semicolons; give --delimiter/);
    expect(parseDelimiterOption('tab')).toBe('\t');
    expect(() => parseDelimiterOption('|')).toThrow(/comma \(,\), semicolon \(;\), tab/);
  });
});

describe('readTable', () => {
  it('picks the time, the device and the numeric columns; passes text columns by', async () => {
    const { layout, rows } = await read('device,site,time,power_w,status,temp_c\nd1,s1,2025-01-01T00:00:00Z,10,Charging,\nd1,s1,2025-01-01T00:01:00Z,NaN,Charging,21.5\n');
    expect(layout.header[layout.tsIndex]).toBe('time');
    expect(layout.header[layout.entityIndex]).toBe('device');
    expect(layout.metrics.map((m) => m.name)).toEqual(['power_w', 'temp_c']);
    expect(rows[1].entity).toBe('d1');
    expect(rows[1].line).toBe(3);
    expect(Number.isNaN(rows[1].values[0])).toBe(true);
    expect(rows[1].values[1]).toBe(21.5);
  });

  it('scores exactly --columns, leaves --exclude out and uses --entity-column', async () => {
    const csv = 'ts,host,a,b,c\n1700000000,h1,1,2,3\n1700000060,h2,4,5,6\n';
    expect((await read(csv, { columns: ['c', 'a'] })).layout.metrics.map((m) => m.name)).toEqual(['c', 'a']);
    const { layout, rows } = await read(csv, { exclude: ['b'], entityColumn: 'host' });
    expect(layout.metrics.map((m) => m.name)).toEqual(['a', 'c']);
    expect(rows.map((r) => r.entity)).toEqual(['h1', 'h2']);
    expect((await failure(csv, { columns: ['a', 'z'] })).message).toMatch(/line 1: no --columns column 'z'; the header has: ts, host, a, b, c/);
  });

  it('reads semicolon files with a decimal comma, and says so when one is not declared', async () => {
    const csv = 'timestamp;power\n2025-01-01T00:00:00+01:00;1,5\n';
    const { rows } = await read(csv, { decimalComma: true, columns: ['power'] });
    expect(rows[0].values[0]).toBe(1.5);
    expect(rows[0].ts).toBe(Date.UTC(2024, 11, 31, 23));
    expect((await failure(csv, { columns: ['power'] })).message).toBe("line 2, column 'power': '1,5' is not a number; a decimal comma? give --decimal-comma");
  });

  it('names the line and column of a non-numeric value in a metric column', async () => {
    const e = await failure('timestamp,a\n2025-01-01T00:00:00Z,1\n2025-01-01T00:01:00Z,2\n2025-01-01T00:02:00Z,oops\n');
    expect(e.message).toBe("line 4, column 'a': 'oops' is not a number; leave the column out with --exclude a");
    expect(e.exitCode).toBe(65);
  });

  it('names the line and column of a timestamp it cannot read', async () => {
    const e = await failure('timestamp,a\n2025-01-01T00:00:00Z,1\n31/12/2025 10:00,2\n');
    expect(e.message).toMatch(/^line 3, column 'timestamp': '31\/12\/2025 10:00' is not a timestamp/);
  });

  it('refuses time going backwards within an entity, not across entities', async () => {
    const ok = 'timestamp,device,a\n2025-01-01T00:05:00Z,d1,1\n2025-01-01T00:00:00Z,d2,1\n2025-01-01T00:06:00Z,d1,1\n';
    expect((await read(ok)).rows).toHaveLength(3);
    const e = await failure(`${ok}2025-01-01T00:04:00Z,d1,1\n`);
    expect(e.message).toBe("line 5, column 'timestamp': 2025-01-01T00:04:00.000Z is earlier than the previous row of device 'd1' (2025-01-01T00:06:00.000Z, line 4); sort the file by time within each entity");
  });

  it('with skipBadRows marks bad rows and goes on', async () => {
    const { rows } = await read('timestamp,a\n2025-01-01T00:00:00Z,1\nnever,2\n2025-01-01T00:02:00Z,3\n', { skipBadRows: true });
    expect(rows.map((r) => r.error?.line ?? null)).toEqual([null, 3, null]);
    expect(rows[2].values[0]).toBe(3);
  });

  it('says what it read when no column is numeric', async () => {
    expect((await failure('timestamp;a\n2025-01-01T00:00:00Z;x\n')).message).toMatch(/no numeric column to score among: timestamp, a \(read as semicolon-separated\)/);
    expect((await failure('')).message).toMatch(/empty/);
  });
});
