/**
 * Small SVG charts (no chart library: a few hundred bytes instead of a large bundle), each with a text
 * alternative: a horizontal bar list and a two-series daily line chart.
 */
import { Group, Stack, Text } from "@mantine/core"

export interface Bar {
  label: string
  value: number
  text: string
}

/** Bars scaled to the largest value; the label and the figure are real text beside each bar. */
export function BarList({ bars, color = "var(--mantine-color-blue-7)", label }: { bars: Bar[]; color?: string; label: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value))
  return (
    <Stack gap={6} role="list" aria-label={label}>
      {bars.map((b) => (
        <div role="listitem" key={b.label}>
          <Group justify="space-between" gap="xs" wrap="nowrap">
            <Text size="sm" className="oms-ellipsis">
              {b.label}
            </Text>
            <Text size="sm" fw={600}>
              {b.text}
            </Text>
          </Group>
          <div style={{ background: "var(--mantine-color-gray-2)", height: 8, borderRadius: 4 }} aria-hidden>
            <div style={{ width: `${(b.value / max) * 100}%`, background: color, height: 8, borderRadius: 4 }} />
          </div>
        </div>
      ))}
    </Stack>
  )
}

export interface Series {
  name: string
  color: string
  values: number[]
}

/** Daily series as lines; `summary` is read by screen readers instead of the picture. */
export function LineChart({ series, labels, summary }: { series: Series[]; labels: string[]; summary: string }) {
  const W = 600
  const H = 160
  const n = Math.max(1, labels.length - 1)
  const max = Math.max(1, ...series.flatMap((s) => s.values))
  const path = (values: number[]) =>
    values.map((v, i) => `${i === 0 ? "M" : "L"}${((i / n) * W).toFixed(1)},${(H - (v / max) * (H - 10)).toFixed(1)}`).join(" ")
  return (
    <figure style={{ margin: 0 }}>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" height={H} role="img" aria-label={summary} preserveAspectRatio="none">
        <line x1={0} y1={H - 0.5} x2={W} y2={H - 0.5} stroke="var(--mantine-color-gray-4)" />
        {series.map((s) => (
          <path key={s.name} d={path(s.values)} fill="none" stroke={s.color} strokeWidth={2} vectorEffect="non-scaling-stroke" />
        ))}
      </svg>
      <figcaption>
        <Group gap="md" justify="space-between">
          <Text size="xs">{labels[0]}</Text>
          <Group gap="md">
            {series.map((s) => (
              <Group gap={4} key={s.name}>
                <span aria-hidden style={{ width: 12, height: 3, background: s.color, display: "inline-block" }} />
                <Text size="xs">
                  {s.name}: {s.values.reduce((a, b) => a + b, 0)}
                </Text>
              </Group>
            ))}
          </Group>
          <Text size="xs">{labels[labels.length - 1]}</Text>
        </Group>
      </figcaption>
    </figure>
  )
}
