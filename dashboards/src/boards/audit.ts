import type { Dashboard } from '@grafana/schema';
import dashgen = require('grafana-dash-gen');
import { MEASUREMENTS } from '@gridproof/influx';
import { GridRow, toCurrentGrafana } from '../grafana/dashgen';
import { influxql } from '../grafana/datasource';
import { byName, stat, steps, table, timeseries, valueMap } from '../grafana/panels';
import { ANCHOR_LAG } from './fleet';
import { UIDS, newDashboard } from './common';

const BATCHES = `"${MEASUREMENTS.anchorBatches}"`;
const AUDITS = `"${MEASUREMENTS.auditResults}"`;

export function auditDashboard(): Dashboard {
  const dash: dashgen.Dashboard = newDashboard('GridProof · Audit', ['audit']);

  dash.addRow(
    new GridRow('Anchoring', 4)
      .add(stat({ title: 'Batches anchored', targets: [influxql(`SELECT count("batch_id") FROM ${BATCHES} WHERE $timeFilter`)], unit: 'none', thresholds: steps('blue') }), 3)
      .add(stat({ title: 'Readings anchored', targets: [influxql(`SELECT sum("count") FROM ${BATCHES} WHERE $timeFilter`)], unit: 'short', thresholds: steps('blue') }), 3)
      .add(
        stat({
          title: 'Anchoring lag',
          description: 'Age of the newest reading of the last batch when it was anchored.',
          targets: [influxql(`SELECT last("lag_ms") FROM ${BATCHES} WHERE $timeFilter`)],
          unit: 'ms',
          thresholds: ANCHOR_LAG,
        }),
        3,
      )
      .add(
        stat({
          title: 'Failed audits',
          description: 'Audits in the range whose batch did not verify against its on-chain root (altered, missing or injected readings).',
          targets: [influxql(`SELECT count("verified") - sum("verified") AS "failed" FROM ${AUDITS} WHERE $timeFilter`)],
          unit: 'none',
          thresholds: steps('green', [1, 'red']),
          colorBackground: true,
        }),
        3,
      ),
  );

  dash.addRow(
    new GridRow('Over time', 8)
      .add(
        timeseries({
          title: 'Anchoring lag',
          targets: [influxql(`SELECT max("lag_ms") AS "lag" FROM ${BATCHES} WHERE $timeFilter GROUP BY time($__interval) fill(null)`, { alias: '$col' })],
          unit: 'ms',
          min: 0,
          thresholds: ANCHOR_LAG,
          showThresholds: 'dashed',
        }),
        6,
      )
      .add(
        timeseries({
          title: 'Readings anchored',
          targets: [influxql(`SELECT sum("count") AS "readings" FROM ${BATCHES} WHERE $timeFilter GROUP BY time($__interval) fill(0)`, { alias: '$col' })],
          unit: 'short',
          bars: true,
          min: 0,
        }),
        6,
      ),
  );

  dash.addRow(
    new GridRow('Batches and audits', 10)
      .add(
        table({
          title: 'Anchored batches',
          description: 'Latest batches: Merkle root (RFC 6962), transaction and block that carry it.',
          targets: [influxql(`SELECT "batch_id", "count", "lag_ms", "root", "tx", "block" FROM ${BATCHES} WHERE $timeFilter ORDER BY time DESC LIMIT 50`, { table: true })],
          overrides: [byName('lag_ms', { unit: 'ms', displayName: 'lag' }), byName('count', { displayName: 'readings' })],
        }),
        6,
      )
      .add(
        table({
          title: 'Last audit results',
          description: 'Each audit recomputes a batch root from the stored readings and compares it with the chain.',
          targets: [
            influxql(`SELECT "batch_id", "verified", "altered", "missing", "injected" FROM ${AUDITS} WHERE $timeFilter ORDER BY time DESC LIMIT 50`, { table: true }),
          ],
          overrides: [
            byName('verified', {
              mappings: [valueMap({ '1': { text: 'verified', color: 'green' }, '0': { text: 'FAILED', color: 'red' } })],
              'custom.cellOptions': { type: 'color-background' },
            }),
          ],
        }),
        6,
      ),
  );

  return toCurrentGrafana(dash, {
    uid: UIDS.audit,
    description: 'Anchored batches, anchoring lag and the last audit results.',
  });
}
