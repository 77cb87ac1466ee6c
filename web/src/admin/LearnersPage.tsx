/** Learners: pick a course, then its whole roster in a virtualised table (2,000 rows scroll smoothly). */
import { Button, Group, Select, Skeleton, Stack, Text, TextInput, Title, UnstyledButton } from "@mantine/core"
import { useQuery } from "@tanstack/react-query"
import { getRouteApi, Link, useNavigate } from "@tanstack/react-router"
import { useVirtualizer } from "@tanstack/react-virtual"
import { memo, useDeferredValue, useMemo, useRef, useState } from "react"
import { useTranslation } from "react-i18next"
import type { RosterEntry } from "@/client"
import { ErrorState } from "@/components/ErrorState"
import { download } from "./importReport"
import { allCoursesQuery } from "./queries"
import type { RosterSort } from "./roster"
import { fetchRoster, filterRoster, learnerName, rosterCsv, sortRoster } from "./roster"
import { formatPercent } from "@/lib/format"

const route = getRouteApi("/admin/learners")
const ROW = 44
const COLUMNS = "minmax(160px, 2fr) minmax(140px, 1.5fr) 110px minmax(150px, 1fr) minmax(150px, 1fr)"

export function LearnersPage() {
  const { t } = useTranslation()
  const { course } = route.useSearch()
  const navigate = useNavigate({ from: "/admin/learners" })
  const courses = useQuery(allCoursesQuery())
  return (
    <Stack>
      <Title order={1}>{t("admin.learners.title")}</Title>
      <Select
        label={t("admin.learners.course")}
        searchable
        maw={420}
        value={course ?? null}
        data={(courses.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
        onChange={(v) => void navigate({ search: { course: v ?? undefined } })}
        placeholder={courses.isPending ? "…" : undefined}
      />
      {course ? <Roster key={course} courseId={course} /> : <Text>{t("admin.learners.chooseCourse")}</Text>}
    </Stack>
  )
}

function Roster({ courseId }: { courseId: string }) {
  const { t, i18n } = useTranslation()
  const [loaded, setLoaded] = useState({ loaded: 0, total: 0 })
  const roster = useQuery({
    queryKey: ["admin", "roster", courseId],
    queryFn: ({ signal }) => fetchRoster(courseId, (l, total) => setLoaded({ loaded: l, total }), signal),
  })
  const [sort, setSort] = useState<{ by: RosterSort; desc: boolean }>({ by: "activity", desc: true })
  const [text, setText] = useState("")
  const [status, setStatus] = useState<string | null>(null)
  const deferred = useDeferredValue(text)
  const rows = useMemo(
    () => sortRoster(filterRoster(roster.data ?? [], deferred, status), sort.by, sort.desc),
    [roster.data, deferred, status, sort],
  )
  const scroller = useRef<HTMLDivElement>(null)
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 12 })

  if (roster.isError) return <ErrorState error={roster.error} onRetry={() => void roster.refetch()} />
  if (!roster.data)
    return (
      <Stack gap="xs">
        <Text size="sm" aria-live="polite">
          {t("admin.learners.loading", loaded)}
        </Text>
        {Array.from({ length: 8 }, (_, i) => (
          <Skeleton key={i} height={ROW - 8} />
        ))}
      </Stack>
    )
  if (roster.data.length === 0) return <Text>{t("admin.learners.empty")}</Text>

  const columns: { key: RosterSort; label: string }[] = [
    { key: "name", label: t("admin.learners.student") },
    { key: "progress", label: t("admin.learners.progress") },
    { key: "status", label: t("admin.learners.status") },
    { key: "enrolled", label: t("admin.learners.enrolled") },
    { key: "activity", label: t("admin.learners.lastActivity") },
  ]
  return (
    <Stack gap="sm">
      <Group align="flex-end" wrap="wrap">
        <TextInput label={t("admin.learners.filter")} value={text} onChange={(e) => setText(e.currentTarget.value)} type="search" />
        <Select
          label={t("admin.learners.status")}
          value={status ?? "all"}
          allowDeselect={false}
          onChange={(v) => setStatus(v === "all" ? null : v)}
          data={[
            { value: "all", label: t("admin.common.all") },
            ...(["active", "completed", "dropped"] as const).map((s) => ({ value: s, label: t(`admin.status.${s}`) })),
          ]}
        />
        <Button variant="default" onClick={() => download(`learners-${courseId}.csv`, rosterCsv(rows), "text/csv;charset=utf-8")}>
          {t("admin.common.downloadCsv")}
        </Button>
      </Group>
      <Text size="sm" aria-live="polite">
        {t("admin.learners.count", { count: roster.data.length, shown: rows.length, total: roster.data.length })}
      </Text>
      <div role="table" aria-label={t("admin.learners.title")} aria-rowcount={rows.length + 1} className="oms-vtable" data-testid="roster">
        <div role="rowgroup">
          <div role="row" className="oms-vrow oms-vhead" style={{ gridTemplateColumns: COLUMNS }}>
            {columns.map((c) => (
              <div role="columnheader" key={c.key} aria-sort={sort.by === c.key ? (sort.desc ? "descending" : "ascending") : "none"}>
                <UnstyledButton
                  fw={600}
                  onClick={() => setSort((s) => ({ by: c.key, desc: s.by === c.key ? !s.desc : false }))}
                  aria-label={t("admin.learners.sortBy", { column: c.label })}
                >
                  {c.label} {sort.by === c.key ? (sort.desc ? "▼" : "▲") : ""}
                </UnstyledButton>
              </div>
            ))}
          </div>
        </div>
        {/* eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- a scrolling region must take focus so the keyboard can scroll it */}
        <div ref={scroller} role="rowgroup" style={{ height: Math.min(560, rows.length * ROW + 2), overflow: "auto" }} tabIndex={0} aria-label={t("admin.learners.title")}>
          <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
            {virtual.getVirtualItems().map((v) => (
              <RosterRow key={rows[v.index]!.id} entry={rows[v.index]!} index={v.index} start={v.start} lang={i18n.language} />
            ))}
          </div>
        </div>
      </div>
    </Stack>
  )
}

const formatters = new Map<string, Intl.DateTimeFormat>()
/** One date formatter per language (making one per cell would cost more than the rest of the row). */
function dateTime(iso: string, lang: string): string {
  let f = formatters.get(lang)
  if (!f) formatters.set(lang, (f = new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "short" })))
  return f.format(new Date(iso))
}

/** One roster row: plain elements (a native progress bar, text status), memoised, so fast scrolling stays cheap. */
const RosterRow = memo(function RosterRow({ entry: e, index, start, lang }: { entry: RosterEntry; index: number; start: number; lang: string }) {
  const { t } = useTranslation()
  const name = learnerName(e)
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      className="oms-vrow"
      style={{ gridTemplateColumns: COLUMNS, position: "absolute", top: 0, left: 0, right: 0, height: ROW, transform: `translateY(${start}px)` }}
    >
      <div role="cell" className="oms-ellipsis">
        <Link to="/admin/enrollments/$enrollmentId" params={{ enrollmentId: e.id }} className="oms-link">
          {name}
        </Link>
      </div>
      <div role="cell" className="oms-progress-cell">
        <progress max={100} value={Math.round(e.progress)} aria-label={`${t("admin.learners.progress")} ${name}`} aria-valuetext={formatPercent(e.progress / 100, lang)} />
        <span>{formatPercent(e.progress / 100, lang)}</span>
      </div>
      <div role="cell" data-status={e.status}>
        {t(`admin.status.${e.status}`)}
      </div>
      <div role="cell" className="oms-ellipsis">{dateTime(e.enrolled_at, lang)}</div>
      <div role="cell" className="oms-ellipsis">{dateTime(e.updated_at, lang)}</div>
    </div>
  )
})
