export interface DailyRow {
  day: string;
  total: number;
  events: number;
}

/** A dependency-free SVG bar chart of daily totals. */
export function DailyChart({ rows, metric }: { rows: DailyRow[]; metric: 'total' | 'events' }) {
  const width = 720;
  const height = 220;
  const pad = { left: 48, right: 8, top: 10, bottom: 28 };
  const values = rows.map((r) => r[metric]);
  const max = Math.max(1, ...values);
  const min = Math.min(0, ...values);
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const y = (v: number) => pad.top + innerH - ((v - min) / (max - min)) * innerH;
  const band = rows.length ? innerW / rows.length : innerW;
  const ticks = [min, Math.round((min + max) / 2), max];
  return (
    <svg data-testid="chart" viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={`daily ${metric}`}>
      {ticks.map((t) => (
        <g key={t}>
          <line x1={pad.left} x2={width - pad.right} y1={y(t)} y2={y(t)} stroke="#e5e7eb" />
          <text x={pad.left - 6} y={y(t) + 4} fontSize="11" textAnchor="end" fill="#6b7280">
            {t}
          </text>
        </g>
      ))}
      {rows.map((r, i) => {
        const v = r[metric];
        const top = Math.min(y(v), y(0));
        return (
          <rect
            key={r.day}
            data-testid="bar"
            data-day={r.day}
            data-total={r.total}
            data-events={r.events}
            x={pad.left + i * band + band * 0.1}
            y={top}
            width={band * 0.8}
            height={Math.max(1, Math.abs(y(v) - y(0)))}
            fill="#4f46e5"
          >
            <title>{`${r.day.slice(0, 10)}: total ${r.total}, ${r.events} events`}</title>
          </rect>
        );
      })}
      {rows.map((r, i) =>
        i % Math.max(1, Math.ceil(rows.length / 8)) === 0 ? (
          <text key={`l${r.day}`} x={pad.left + i * band + band / 2} y={height - 8} fontSize="11" textAnchor="middle" fill="#6b7280">
            {r.day.slice(5, 10)}
          </text>
        ) : null,
      )}
    </svg>
  );
}
