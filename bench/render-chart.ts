import type { RampOutcome } from "./capacity-ramp.js";
import type { RatioRow } from "./ratio-row.js";

/** Chart geometry: one column, two panels. */
const WIDTH = 980;
const LEFT = 430;
const RIGHT = 40;
const ROW = 22;
const RAMP_HEIGHT = 350;
/** The ratio panel's log scale: from 1/16 of the target to 16 times it. */
const SCALE_MIN = 1 / 16;
const SCALE_MAX = 16;
/** The ramp panel's log scale of added p99, ms. */
const P99_MIN = 0.1;
const P99_MAX = 2000;
const COLORS: Record<string, string> = { "raw-node": "#1f77b4", ours: "#e6550d" };

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const round = (value: number) => Math.round(value * 10) / 10;

function text(x: number, y: number, content: string, attributes = ""): string {
  return `<text x="${round(x)}" y="${round(y)}" ${attributes}>${escape(content)}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, attributes: string): string {
  return `<line x1="${round(x1)}" y1="${round(y1)}" x2="${round(x2)}" y2="${round(y2)}" ${attributes}/>`;
}

/**
 * How far a judged row is from its limit, as a factor where 1 is the target and more is worse:
 * measured ÷ limit for "≤" rows, limit ÷ measured for "≥" rows. Differences in ms (`≤ +1 ms`)
 * use the same factor; a difference at or below zero is as good as it gets and sits at the left.
 */
function factor(figure: NonNullable<RatioRow["figure"]>): number {
  const { measured, limit, atLeast } = figure;
  if (atLeast) return measured <= 0 ? SCALE_MAX : limit / measured;
  if (limit <= 0) return measured <= limit ? SCALE_MIN : SCALE_MAX;
  return measured <= 0 ? SCALE_MIN : measured / limit;
}

function ratioPanel(rows: readonly RatioRow[], top: number): { svg: string[]; height: number } {
  const judged = rows.filter((row) => row.figure !== undefined);
  const plotWidth = WIDTH - LEFT - RIGHT;
  const x = (value: number) => {
    const clamped = Math.min(SCALE_MAX, Math.max(SCALE_MIN, value));
    return (
      LEFT +
      ((Math.log2(clamped) - Math.log2(SCALE_MIN)) / (Math.log2(SCALE_MAX) - Math.log2(SCALE_MIN))) *
        plotWidth
    );
  };
  const svg: string[] = [];
  svg.push(
    text(
      10,
      top + 16,
      "Ratios that count: measured ÷ target (log scale; 1 = the target, left of it passes)",
      'font-weight="bold"',
    ),
  );
  const plotTop = top + 30;
  const height = 30 + Math.max(1, judged.length) * ROW + 40;
  const plotBottom = plotTop + Math.max(1, judged.length) * ROW;
  for (const tick of [1 / 16, 1 / 4, 1 / 2, 1, 2, 4, 16]) {
    svg.push(
      line(
        x(tick),
        plotTop,
        x(tick),
        plotBottom,
        `stroke="${tick === 1 ? "#333" : "#ddd"}" ${tick === 1 ? 'stroke-width="2"' : ""}`,
      ),
    );
    svg.push(
      text(
        x(tick),
        plotBottom + 14,
        tick < 1 ? `1/${1 / tick}` : `${tick}×`,
        'text-anchor="middle" font-size="11"',
      ),
    );
  }
  if (judged.length === 0)
    svg.push(text(LEFT, plotTop + 15, "no judged ratio in this run", 'font-size="12" fill="#666"'));
  judged.forEach((row, index) => {
    const figure = row.figure;
    if (!figure) return;
    const y = plotTop + index * ROW;
    const value = factor(figure);
    const color = row.verdict === "PASS" ? "#2ca02c" : "#d62728";
    const name = row.ratio.length > 68 ? `${row.ratio.slice(0, 66)}…` : row.ratio;
    svg.push(text(LEFT - 8, y + 15, name, 'text-anchor="end" font-size="11"'));
    svg.push(
      `<rect x="${round(LEFT)}" y="${round(y + 4)}" width="${round(Math.max(1, x(value) - LEFT))}" height="${ROW - 8}" fill="${color}" opacity="0.75"/>`,
    );
    const label = `${row.measured} (target ${row.target})${value >= SCALE_MAX ? " ▸" : ""}`;
    const labelX = x(value) + 4;
    svg.push(
      labelX > WIDTH - 200
        ? text(x(value) - 4, y + 15, label, 'text-anchor="end" font-size="10" fill="#fff"')
        : text(labelX, y + 15, label, 'font-size="10"'),
    );
  });
  return { svg, height };
}

function rampPanel(ramp: RampOutcome, top: number): { svg: string[]; height: number } {
  const svg: string[] = [];
  const plotTop = top + 40;
  const plotBottom = plotTop + RAMP_HEIGHT - 150;
  const plotLeft = 90;
  const plotRight = WIDTH - RIGHT;
  const steps = ramp.steps.length;
  const x = (step: number) => plotLeft + (steps <= 1 ? 0 : (step / (steps - 1)) * (plotRight - plotLeft));
  const y = (p99: number) => {
    const clamped = Math.min(P99_MAX, Math.max(P99_MIN, p99));
    return (
      plotBottom -
      ((Math.log10(clamped) - Math.log10(P99_MIN)) / (Math.log10(P99_MAX) - Math.log10(P99_MIN))) *
        (plotBottom - plotTop)
    );
  };
  svg.push(
    text(
      10,
      top + 16,
      `D capacity ramp: p99 added over direct per step (log scale), ${ramp.stepSeconds} s a step; ▲ knee, ✕ first failed step`,
      'font-weight="bold"',
    ),
  );
  for (const tick of [0.1, 1, 10, 50, 100, 1000]) {
    svg.push(
      line(
        plotLeft,
        y(tick),
        plotRight,
        y(tick),
        tick === 50 ? 'stroke="#d62728" stroke-dasharray="6 4"' : 'stroke="#eee"',
      ),
    );
    svg.push(
      text(
        plotLeft - 6,
        y(tick) + 4,
        `${tick} ms`,
        `text-anchor="end" font-size="11"${tick === 50 ? ' fill="#d62728"' : ""}`,
      ),
    );
  }
  ramp.steps.forEach((step, index) => {
    svg.push(line(x(index), plotBottom, x(index), plotBottom + 4, 'stroke="#333"'));
    svg.push(
      text(
        x(index),
        plotBottom + 16,
        `${step.agents}×${step.ratePerSecond}×${step.readers}`,
        'text-anchor="middle" font-size="10"',
      ),
    );
  });
  svg.push(
    text(
      (plotLeft + plotRight) / 2,
      plotBottom + 32,
      "step: agents × tokens/s × readers",
      'text-anchor="middle" font-size="11"',
    ),
  );
  (["raw-node", "ours"] as const).forEach((target, order) => {
    const color = COLORS[target] ?? "#000";
    const points = ramp.points.filter((point) => point.target === target && point.addedP99Ms !== undefined);
    if (points.length > 1) {
      svg.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((point) => `${round(x(point.step))},${round(y(point.addedP99Ms ?? 0))}`).join(" ")}"/>`,
      );
    }
    for (const point of points) {
      const [px, py] = [x(point.step), y(point.addedP99Ms ?? 0)];
      svg.push(
        point.verdict === "ok"
          ? `<circle cx="${round(px)}" cy="${round(py)}" r="3.5" fill="${color}"/>`
          : text(px, py + 5, "✕", `text-anchor="middle" font-size="15" fill="${color}"`),
      );
    }
    const knee = ramp.knees.find((k) => k.target === target);
    if (knee?.lastGood !== undefined) {
      const kx = x(knee.lastGood);
      svg.push(line(kx, plotTop, kx, plotBottom, `stroke="${color}" stroke-dasharray="2 3"`));
      svg.push(
        text(
          kx,
          plotTop - 4 - order * 11,
          `▲ ${target} knee`,
          `text-anchor="middle" font-size="10" fill="${color}"`,
        ),
      );
    }
    const legendY = plotBottom + 44 + order * 18;
    svg.push(`<rect x="${plotLeft}" y="${legendY}" width="12" height="12" fill="${color}"/>`);
    svg.push(text(plotLeft + 16, legendY + 10, `${target}: ${knee?.summary ?? "—"}`, 'font-size="11"'));
  });
  if (ramp.loadBound)
    svg.push(
      text(
        plotLeft,
        plotBottom + 90,
        `ramp ended at the load's limit: ${ramp.loadBound}`,
        'font-size="11" fill="#666"',
      ),
    );
  return { svg, height: RAMP_HEIGHT };
}

/**
 * The bench's chart as SVG text, drawn by hand (no dependency): the judged ratios against their
 * targets as bars on a log scale, and D's ramp (p99 added over direct per step, the 50 ms limit,
 * each target's knee). `title` heads it; the ramp panel is left out when D did not run.
 */
export function renderChart(
  title: string,
  ratios: readonly RatioRow[],
  ramp: RampOutcome | undefined,
): string {
  const body: string[] = [text(10, 22, title, 'font-size="15" font-weight="bold"')];
  const ratio = ratioPanel(ratios, 34);
  body.push(...ratio.svg);
  let height = 34 + ratio.height;
  if (ramp && ramp.points.length > 0) {
    const panel = rampPanel(ramp, height);
    body.push(...panel.svg);
    height += panel.height;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${round(height)}" viewBox="0 0 ${WIDTH} ${round(height)}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}
