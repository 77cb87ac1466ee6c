/** The dashboard: popular courses by window, enrollments and completions per day, completion rate per course, health. */
import { Alert, Badge, Grid, Group, Paper, SegmentedControl, Skeleton, Stack, Text, Title } from "@mantine/core"
import { useQuery } from "@tanstack/react-query"
import { useState } from "react"
import { useTranslation } from "react-i18next"
import { adminActivity, adminCourseFigures, coursesPopular } from "@/client"
import { ApiError, NetworkError } from "@/api/problem"
import { ErrorState } from "@/components/ErrorState"
import { formatDate, formatNumber, formatPercent } from "@/lib/format"
import { BarList, LineChart } from "./Charts"

type Window = "7d" | "30d" | "all"
const DAYS = 30

export function Dashboard() {
  const { t } = useTranslation()
  return (
    <Stack>
      <Title order={1}>{t("admin.dashboard.title")}</Title>
      <Health />
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Popular />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Completion />
        </Grid.Col>
        <Grid.Col span={12}>
          <Activity />
        </Grid.Col>
      </Grid>
    </Stack>
  )
}

function Panel({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={id} mih={260}>
      <Title order={2} size="h4" id={id} mb="sm">
        {title}
      </Title>
      {children}
    </Paper>
  )
}

function Loading() {
  return (
    <Stack gap="xs">
      {Array.from({ length: 5 }, (_, i) => (
        <Skeleton key={i} height={24} />
      ))}
    </Stack>
  )
}

function Popular() {
  const { t, i18n } = useTranslation()
  const [w, setW] = useState<Window>("7d")
  const q = useQuery({
    queryKey: ["courses", "popular", w, "admin"],
    queryFn: async () => (await coursesPopular({ query: { window: w, limit: 10 } })).data,
  })
  return (
    <Panel id="popular-heading" title={t("admin.dashboard.popular")}>
      <SegmentedControl
        mb="sm"
        aria-label={t("admin.dashboard.window")}
        value={w}
        onChange={(v) => setW(v as Window)}
        data={[
          { value: "7d", label: t("admin.dashboard.w7d") },
          { value: "30d", label: t("admin.dashboard.w30d") },
          { value: "all", label: t("admin.dashboard.wall") },
        ]}
      />
      {q.isError ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : !q.data ? (
        <Loading />
      ) : q.data.items.length === 0 ? (
        <Text>{t("admin.dashboard.noData")}</Text>
      ) : (
        <BarList
          label={t("admin.dashboard.popular")}
          bars={q.data.items.map((p) => ({
            label: p.course.name,
            value: p.score,
            text: `${t("admin.dashboard.enrollmentCount", { count: p.enrollments, formatted: formatNumber(p.enrollments, i18n.language) })} · ${t("admin.dashboard.score")} ${formatNumber(Math.round(p.score * 10) / 10, i18n.language)}`,
          }))}
        />
      )}
    </Panel>
  )
}

function Completion() {
  const { t, i18n } = useTranslation()
  const q = useQuery({
    queryKey: ["admin", "dashboard", "courses"],
    queryFn: async () => (await adminCourseFigures({ query: { limit: 10 } })).data,
  })
  return (
    <Panel id="completion-heading" title={t("admin.dashboard.completionRate")}>
      {q.isError ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : !q.data ? (
        <Loading />
      ) : q.data.items.length === 0 ? (
        <Text>{t("admin.dashboard.noData")}</Text>
      ) : (
        <BarList
          color="var(--mantine-color-green-8)"
          label={t("admin.dashboard.completionRate")}
          bars={q.data.items.map((c) => ({
            label: c.name,
            value: c.completion_rate,
            text: `${formatPercent(c.completion_rate, i18n.language)} (${formatNumber(c.completed, i18n.language)} / ${formatNumber(c.enrollments, i18n.language)})`,
          }))}
        />
      )}
    </Panel>
  )
}

function Activity() {
  const { t, i18n } = useTranslation()
  const q = useQuery({
    queryKey: ["admin", "dashboard", "activity", DAYS],
    queryFn: async () => (await adminActivity({ query: { days: DAYS } })).data,
  })
  const title = t("admin.dashboard.activity", { count: DAYS })
  return (
    <Panel id="activity-heading" title={title}>
      {q.isError ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : !q.data ? (
        <Skeleton height={180} />
      ) : (
        <LineChart
          summary={`${title}: ${t("admin.dashboard.enrollments")} ${q.data.points.reduce((a, p) => a + p.enrollments, 0)}, ${t("admin.dashboard.completions")} ${q.data.points.reduce((a, p) => a + p.completions, 0)}`}
          labels={q.data.points.map((p) => formatDate(p.day, i18n.language, "UTC"))}
          series={[
            { name: t("admin.dashboard.enrollments"), color: "var(--mantine-color-blue-7)", values: q.data.points.map((p) => p.enrollments) },
            { name: t("admin.dashboard.completions"), color: "var(--mantine-color-green-8)", values: q.data.points.map((p) => p.completions) },
          ]}
        />
      )}
    </Panel>
  )
}

interface Ready {
  status: string
  checks: Record<string, string>
}

/** MongoDB, Redis and search as the readiness check sees them: a status region, announced only when it changes. */
export function Health() {
  const { t } = useTranslation()
  const q = useQuery({
    queryKey: ["admin", "readyz"],
    queryFn: async (): Promise<Ready> => {
      let r: Response
      try {
        r = await fetch("/api/v1/readyz", { headers: { Accept: "application/json" } })
      } catch (e) {
        throw new NetworkError(e)
      }
      // 503 still carries the checks (MongoDB down); anything else without them is a problem.
      const body = (await r.json().catch(() => null)) as Ready | null
      if (!body?.checks) throw new ApiError(r.status, body, r.headers.get("Retry-After"))
      return body
    },
    refetchInterval: 30_000,
  })
  if (q.isError) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />
  if (!q.data) return <Skeleton height={60} />
  const bad = Object.entries(q.data.checks).filter(([, v]) => v !== "ok").map(([k]) => k)
  return (
    // Mantine's Alert is role="alert" (read out at once, as an emergency): this panel is there on every visit
    // and refreshed every 30 s, so it is a polite status region, heard only when what it says changes.
    <Alert
      role="status"
      color={q.data.status === "ok" ? "green" : q.data.status === "degraded" ? "yellow" : "red"}
      title={`${t("admin.dashboard.health")}: ${q.data.status === "ok" ? t("admin.dashboard.healthy") : q.data.status === "degraded" ? t("admin.dashboard.degraded", { what: bad.join(", ") }) : t("admin.dashboard.down")}`}
    >
      <Group gap="sm">
        {Object.entries(q.data.checks).map(([k, v]) => (
          <Badge key={k} color={v === "ok" ? "green" : "red"} variant="light">
            {k}: {v === "ok" ? t("admin.dashboard.ok") : v}
          </Badge>
        ))}
      </Group>
    </Alert>
  )
}
