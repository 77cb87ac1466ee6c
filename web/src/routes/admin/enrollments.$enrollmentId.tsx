/** /admin/enrollments/:id: one learner's enrollment with its full progress history. */
import { Badge, Group, Paper, Stack, Table, Text, Title } from "@mantine/core"
import { useQuery, useQueryClient } from "@tanstack/react-query"
import { createFileRoute } from "@tanstack/react-router"
import { useTranslation } from "react-i18next"
import { enrollmentsReadEnrollment } from "@/client"
import type { RosterEntry } from "@/client"
import { ErrorState } from "@/components/ErrorState"
import { ProgressHistory } from "@/components/ProgressHistory"
import { PageSkeleton } from "@/components/Skeletons"
import { AnchorLink } from "@/components/links"
import { formatDateTime, formatPercent } from "@/lib/format"

const EVENTS: Record<string, string> = {
  enrolled: "learn.eventEnrolled",
  section_completed: "learn.eventSectionCompleted",
  section_reset: "learn.eventSectionReset",
  dropped: "learn.eventDropped",
  reenrolled: "learn.eventReEnrolled",
  completed: "learn.eventCourseCompleted",
}

export const Route = createFileRoute("/admin/enrollments/$enrollmentId")({
  component: EnrollmentPage,
})

function EnrollmentPage() {
  const { t, i18n } = useTranslation()
  const { enrollmentId } = Route.useParams()
  const queryClient = useQueryClient()
  // The learner's name, when the roster this page was opened from is still in the cache.
  const fromRoster = queryClient
    .getQueriesData<RosterEntry[]>({ queryKey: ["admin", "roster"] })
    .flatMap(([, rows]) => rows ?? [])
    .find((r) => r.id === enrollmentId)
  const e = useQuery({
    queryKey: ["enrollment", "admin", enrollmentId],
    queryFn: async () => (await enrollmentsReadEnrollment({ path: { enrollment_id: enrollmentId } })).data,
  })
  if (e.isPending) return <PageSkeleton />
  if (e.isError) return <ErrorState error={e.error} onRetry={() => void e.refetch()} />
  const d = e.data
  return (
    <Stack>
      <AnchorLink to="/admin/learners" search={{ course: d.course_id }}>
        {t("admin.nav.learners")}
      </AnchorLink>
      <Title order={1}>{t("admin.learners.enrollment", { name: fromRoster?.display_name || fromRoster?.username || d.user_id })}</Title>
      <Group>
        <Badge variant="light">{t(`admin.status.${d.status}`)}</Badge>
        <Text>
          {t("admin.learners.progress")}: {formatPercent(d.progress / 100, i18n.language)}
        </Text>
        <Text>
          {t("admin.learners.enrolled")}: {formatDateTime(d.enrolled_at, i18n.language)}
        </Text>
      </Group>
      <Paper withBorder p="sm">
        <ProgressHistory history={d.history} />
      </Paper>
      <Title order={2} size="h3">
        {t("admin.learners.history")}
      </Title>
      <Table.ScrollContainer minWidth={480}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("admin.learners.at")}</Table.Th>
              <Table.Th>{t("admin.learners.event")}</Table.Th>
              <Table.Th>{t("admin.learners.section")}</Table.Th>
              <Table.Th>{t("admin.learners.progress")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {d.history.map((h, i) => (
              <Table.Tr key={i}>
                <Table.Td>{formatDateTime(h.at, i18n.language)}</Table.Td>
                <Table.Td>{EVENTS[h.event] ? t(EVENTS[h.event]!) : h.event}</Table.Td>
                <Table.Td>{h.section_id ?? ""}</Table.Td>
                <Table.Td>{formatPercent(h.progress / 100, i18n.language)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  )
}
