/** Progress over time: a small line chart (with a text alternative) and the latest events as a timeline. */
import { Text, Timeline, Title } from "@mantine/core"
import { useTranslation } from "react-i18next"
import type { HistoryEventPublic } from "@/client"
import { formatDateTime, formatPercent } from "@/lib/format"

const EVENT_KEYS: Record<string, string> = {
  enrolled: "learn.eventEnrolled",
  section_completed: "learn.eventSectionCompleted",
  section_reset: "learn.eventSectionReset",
  dropped: "learn.eventDropped",
  reenrolled: "learn.eventReEnrolled",
  completed: "learn.eventCourseCompleted",
}

const W = 300
const H = 80

/** SVG path of progress (0–100) against time, scaled into the box. */
export function chartPath(history: HistoryEventPublic[]): string {
  if (history.length === 0) return ""
  const times = history.map((h) => Date.parse(h.at))
  const t0 = Math.min(...times)
  const span = Math.max(1, Math.max(...times) - t0)
  return history
    .map((h, i) => {
      const x = history.length === 1 ? W : ((times[i]! - t0) / span) * W
      const y = H - (Math.min(100, Math.max(0, h.progress)) / 100) * H
      return `${i === 0 ? "M" : "L"}${x.toFixed(1)},${y.toFixed(1)}`
    })
    .join(" ")
}

export function ProgressHistory({ history }: { history: HistoryEventPublic[] }) {
  const { t, i18n } = useTranslation()
  const events = [...history].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
  const latest = events.slice(-6).reverse()
  const first = events[0]
  const last = events[events.length - 1]
  return (
    <section>
      <Title order={2} size="h5" id="history-heading" mb="xs">
        {t("learn.history")}
      </Title>
      {events.length < 2 ? (
        <Text size="sm">{t("learn.historyEmpty")}</Text>
      ) : (
        <svg
          viewBox={`-2 -2 ${W + 4} ${H + 4}`}
          width="100%"
          height={H + 4}
          role="img"
          aria-label={t("learn.historyChart", {
            from: formatPercent((first?.progress ?? 0) / 100, i18n.language),
            to: formatPercent((last?.progress ?? 0) / 100, i18n.language),
          })}
          preserveAspectRatio="none"
        >
          <rect x={0} y={0} width={W} height={H} fill="#f1f3f5" />
          <path d={chartPath(events)} fill="none" stroke="#2b8a3e" strokeWidth={2} vectorEffect="non-scaling-stroke" />
        </svg>
      )}
      {latest.length > 0 && (
        <Timeline active={latest.length} bulletSize={12} lineWidth={2} mt="sm">
          {latest.map((ev, i) => (
            <Timeline.Item key={`${ev.at}-${i}`} title={t(EVENT_KEYS[ev.event] ?? "learn.eventOther")}>
              <Text size="xs">
                {formatDateTime(ev.at, i18n.language)} · {formatPercent(ev.progress / 100, i18n.language)}
              </Text>
            </Timeline.Item>
          ))}
        </Timeline>
      )}
    </section>
  )
}
