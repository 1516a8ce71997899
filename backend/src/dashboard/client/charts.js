import uPlot from '/dashboard/assets/uPlot.esm.js';
import { h } from './dom.js';

const COLORS = { awf: '#0b4f9c', legacy: '#6b7580', awf_shadow: '#8e44ad', threshold: '#a4161a', in: '#0b4f9c', out: '#c05600' };
const DASH = { awf: [], legacy: [6, 3], awf_shadow: [2, 3], threshold: [10, 4] };
const NAMES = { awf: 'AWF', legacy: 'legacy', awf_shadow: 'shadow' };

/** Draws the rollout changes (blue, dashed) and alert firings (red) as vertical lines over the plot. */
function markerPlugin(markers) {
  return {
    hooks: {
      draw: [
        (u) => {
          const { ctx } = u;
          const { top, height } = u.bbox;
          ctx.save();
          for (const marker of markers) {
            const x = Math.round(u.valToPos(marker.t, 'x', true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.strokeStyle = marker.kind === 'alert' ? '#a4161a' : '#0b4f9c';
            ctx.setLineDash(marker.kind === 'alert' ? [] : [4, 4]);
            ctx.lineWidth = 2;
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + height);
            ctx.stroke();
          }
          ctx.restore();
        },
      ],
    },
  };
}

const charts = [];

/** Removes every chart drawn so far (before a redraw). */
export function clearCharts() {
  for (const chart of charts.splice(0)) chart.destroy();
}

/**
 * One uPlot line chart in `container`: `lines` = [{ label, values, key }]; `threshold` a constant line.
 * The figure's text alternative names the latest value of each line.
 */
export function lineChart(container, { title, unit, times, lines, threshold, markers }) {
  const figure = h('figure', { class: 'chart' });
  const summary = lines
    .map((line) => {
      const last = [...line.values].reverse().find((value) => value !== null && value !== undefined);
      return `${line.label} latest ${last === undefined ? 'none' : `${last} ${unit}`}`;
    })
    .join('; ');
  figure.append(h('h3', {}, title), h('figcaption', { class: 'note' }, summary + (threshold === undefined ? '' : `; threshold ${threshold} ${unit}`)));
  container.append(figure);
  const plotEl = h('div', { role: 'img', 'aria-label': `${title}: ${summary}` });
  figure.append(plotEl);
  const width = Math.max(240, Math.min(figure.clientWidth - 16, 900));
  const series = [{}];
  const data = [times];
  for (const line of lines) {
    series.push({ label: line.label, stroke: COLORS[line.key] ?? '#333', dash: DASH[line.key] ?? [], width: 2, spanGaps: false, points: { show: times.length < 80 } });
    data.push(line.values);
  }
  if (threshold !== undefined) {
    series.push({ label: 'threshold', stroke: COLORS.threshold, dash: DASH.threshold, width: 1.5, points: { show: false } });
    data.push(times.map(() => threshold));
  }
  const chart = new uPlot(
    {
      width,
      height: 180,
      series,
      scales: { x: { time: true } },
      axes: [{}, { label: unit, size: 56 }],
      plugins: [markerPlugin(markers)],
      legend: { live: false },
    },
    data,
    plotEl,
  );
  charts.push(chart);
  return chart;
}

export function pipelineLines(pipelines, field) {
  return ['awf', 'legacy', 'awf_shadow'].map((key) => ({ key, label: NAMES[key], values: pipelines[key][field] }));
}
