import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import { formatTime, formatValue } from '../format';

export interface ChartSeries {
  label: string;
  points: Array<[number, number]>;
  /** 'value': the metric's own axis (left); 'score': the detector's score axis (right). */
  axis: 'value' | 'score';
  color: string;
  dash?: number[];
}

export interface EvidenceChartProps {
  title: string;
  series: ChartSeries[];
  /** Horizontal limits (a rule's threshold, a detector's score threshold), drawn dashed. */
  limits: Array<{ label: string; value: number; axis: 'value' | 'score'; color: string }>;
  /** The reading the evidence comes from (or the alert's start): a vertical line. */
  markerAt: number;
  /** The time window shown (Unix ms), whatever the data cover. */
  range: [number, number];
}

/**
 * The evidence around the alert time, drawn by uPlot on a canvas. uPlot sets sizes through
 * element.style (CSSOM), which a Content-Security-Policy without 'unsafe-inline' allows, and
 * needs no inline <style> or script. Screen readers get the figure's caption and the data table
 * the page puts next to it.
 */
export function EvidenceChart({ title, series, limits, markerAt, range }: EvidenceChartProps) {
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current;
    if (!el || !series.some((s) => s.points.length)) return;
    const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const columns = series.map((s) => {
      const ys: Array<number | null> = new Array(xs.length).fill(null);
      for (const [x, y] of s.points) ys[index.get(x)!] = y;
      return ys;
    });
    const limitColumns = limits.map((l) => xs.map(() => l.value));
    const hasScore = series.some((s) => s.axis === 'score') || limits.some((l) => l.axis === 'score');
    const scaleOf = (axis: 'value' | 'score') => (axis === 'score' ? 'score' : 'value');
    const options: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: Math.max(220, Math.min(360, Math.round(el.clientWidth * 0.45))),
      // uPlot works in seconds on its time axis.
      scales: { x: { time: true, range: [range[0] / 1000, range[1] / 1000] }, value: { auto: true }, ...(hasScore ? { score: { auto: true } } : {}) },
      axes: [
        { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.25)' } },
        { scale: 'value', stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.25)' } },
        ...(hasScore ? [{ scale: 'score', side: 1, stroke: 'currentColor', grid: { show: false } }] : []),
      ],
      series: [
        { value: (_u, v) => (v === null ? '—' : formatTime(v * 1000)) },
        ...series.map((s) => ({ label: s.label, scale: scaleOf(s.axis), stroke: s.color, width: 2, spanGaps: true, dash: s.dash, value: (_u: uPlot, v: number | null) => (v === null ? '—' : formatValue(v)) })),
        ...limits.map((l) => ({ label: l.label, scale: scaleOf(l.axis), stroke: l.color, width: 1.5, dash: [6, 4], points: { show: false } })),
      ],
      hooks: {
        draw: [
          (u) => {
            const x = u.valToPos(markerAt / 1000, 'x', true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = '#c62828';
            ctx.setLineDash([]);
            ctx.lineWidth = 2 * devicePixelRatio;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.restore();
          },
        ],
      },
      legend: { live: true },
    };
    const plot = new uPlot(options, [xs.map((x) => x / 1000), ...columns, ...limitColumns] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: options.height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series, limits, markerAt, range[0], range[1]]);

  const count = series.reduce((n, s) => n + s.points.length, 0);
  return (
    <figure class="evidence-chart">
      <div ref={host} role="img" aria-label={`${title}: ${count} points; the red line marks the reading the evidence comes from`} data-points={count} />
      <figcaption>
        {title}, {formatTime(range[0])} to {formatTime(range[1])}. The red line marks the reading the evidence comes from ({formatTime(markerAt)}).
      </figcaption>
    </figure>
  );
}
