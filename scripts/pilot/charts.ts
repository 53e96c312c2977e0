/**
 * Inline SVG charts for the pilot report: plain string generation, no dependencies. Every text that reaches the SVG
 * is escaped for XML, so an operation or actor name cannot break the markup.
 */

/** One bar: a label and its value. */
export interface Bar {
  readonly label: string;
  readonly value: number;
}

/** Options of {@link barChart}. */
export interface BarChartOptions {
  /** The chart's title (shown above the bars, and its accessible name). */
  readonly title: string;
  /** Formats a value for the label right of its bar; default en-US grouping, rounded. */
  readonly format?: (value: number) => string;
  /** Width of the bar area in pixels; default 360. */
  readonly barWidth?: number;
}

const FONT_SIZE = 12;
/** A generous mean advance of a 12 px sans-serif glyph, to size the label column without measuring text. */
const CHAR_WIDTH = 6.8;
const ROW = 20;
const BAR = 14;
const TOP = 30;
const PAD = 8;
const MAX_LABEL = 64;
const VALUE_COLUMN = 120;

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!,
  );
}

/**
 * A horizontal bar chart as one `<svg>` element (no blank lines, so it stays one HTML block in Markdown): the bars
 * sorted by value, largest first (ties by label), each labelled on the left with its name and on the right with
 * its value, one `<rect>` per bar, and a `<title>` per bar with the full label and value.
 */
export function barChart(bars: readonly Bar[], options: BarChartOptions): string {
  const format = options.format ?? ((v: number) => Math.round(v).toLocaleString("en-US"));
  const area = options.barWidth ?? 360;
  const sorted = [...bars]
    .filter((b) => Number.isFinite(b.value) && b.value >= 0)
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
  const labels = sorted.map((b) => (b.label.length > MAX_LABEL ? `${b.label.slice(0, MAX_LABEL - 1)}…` : b.label));
  const labelColumn = Math.ceil(Math.max(8, ...labels.map((l) => l.length)) * CHAR_WIDTH) + PAD;
  const width = PAD + labelColumn + area + VALUE_COLUMN;
  const height = TOP + Math.max(1, sorted.length) * ROW + PAD;
  const max = Math.max(0, ...sorted.map((b) => b.value));
  const n = (x: number) => String(Math.round(x * 10) / 10);

  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(options.title)}" font-family="system-ui, sans-serif" font-size="${FONT_SIZE}">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<text x="${PAD}" y="${TOP - 12}" font-size="${FONT_SIZE + 2}" font-weight="bold" fill="#222">${escapeXml(options.title)}</text>`,
  ];
  if (sorted.length === 0) {
    lines.push(`<text x="${PAD}" y="${TOP + BAR}" fill="#666">no data</text>`);
  }
  for (const [i, bar] of sorted.entries()) {
    const y = TOP + i * ROW;
    const text = y + BAR - 3;
    const barX = PAD + labelColumn;
    const w = max > 0 ? Math.max(bar.value > 0 ? 1 : 0, (bar.value / max) * area) : 0;
    const value = format(bar.value);
    lines.push(
      `<g><title>${escapeXml(`${bar.label}: ${value}`)}</title>` +
        `<text x="${n(barX - 6)}" y="${text}" text-anchor="end" fill="#222">${escapeXml(labels[i]!)}</text>` +
        `<rect x="${n(barX)}" y="${y}" width="${n(w)}" height="${BAR}" fill="#3b6fb6"/>` +
        `<text x="${n(barX + w + 6)}" y="${text}" fill="#444">${escapeXml(value)}</text></g>`,
    );
  }
  lines.push("</svg>");
  return lines.join("\n");
}
