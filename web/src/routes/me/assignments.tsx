/** Assignments across my courses: due dates and states, each linking to its page. */
import { Paper, Skeleton, Stack, Table, Text, Title } from "@mantine/core"
import { useQueries, useQuery } from "@tanstack/react-query"
import { createFileRoute } from "@tanstack/react-router"
import { useTranslation } from "react-i18next"
import { courseAssignmentsQuery, myEnrollmentsQuery } from "@/api/queries"
import { AssignmentState } from "@/components/AssignmentState"
import { ErrorState } from "@/components/ErrorState"
import { PageSkeleton } from "@/components/Skeletons"
import { formatDateTime } from "@/lib/format"
import { requireSignIn } from "@/lib/guard"
import { AnchorLink } from "@/components/links"

export const Route = createFileRoute("/me/assignments")({
  beforeLoad: requireSignIn,
  component: MyAssignments,
})

function MyAssignments() {
  const { t, i18n } = useTranslation()
  const mine = useQuery(myEnrollmentsQuery())
  const active = (mine.data?.items ?? []).filter((e) => e.status !== "dropped" && e.course)
  const lists = useQueries({ queries: active.map((e) => courseAssignmentsQuery(e.course_id)) })

  if (mine.isPending) return <PageSkeleton />
  if (mine.isError) return <ErrorState error={mine.error} onRetry={() => void mine.refetch()} />
  const failed = lists.find((l) => l.isError)
  const rows = active.flatMap((e, i) =>
    (lists[i]?.data?.items ?? []).map((a) => ({ course: e.course!, assignment: a })),
  )
  rows.sort((x, y) => (x.assignment.due_at ?? "9999").localeCompare(y.assignment.due_at ?? "9999"))
  const loading = lists.some((l) => l.isPending)

  return (
    <Stack gap="lg">
      <Title order={1}>{t("assignments.title")}</Title>
      {failed && <ErrorState error={failed.error} onRetry={() => void failed.refetch()} />}
      {loading ? (
        <Skeleton h={160} />
      ) : rows.length === 0 ? (
        <Text>{t("assignments.empty")}</Text>
      ) : (
        <Paper withBorder>
          <Table.ScrollContainer minWidth={320}>
            <Table verticalSpacing="sm" highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("assignments.assignment")}</Table.Th>
                  <Table.Th>{t("assignments.course")}</Table.Th>
                  <Table.Th>{t("assignments.due")}</Table.Th>
                  <Table.Th>{t("assignments.state")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map(({ course, assignment }) => (
                  <Table.Tr key={assignment.id}>
                    <Table.Td>
                      <AnchorLink to="/assignments/$id" params={{ id: assignment.id }}>
                        {assignment.title}
                      </AnchorLink>
                    </Table.Td>
                    <Table.Td>{course.name}</Table.Td>
                    <Table.Td>
                      {assignment.due_at ? formatDateTime(assignment.due_at, i18n.language) : t("assignments.noDue")}
                    </Table.Td>
                    <Table.Td>
                      <AssignmentState assignment={assignment} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
    </Stack>
  )
}
