/** A course's assignments: the list, a form to create one, and the same form to edit each. */
import { Alert, Badge, Button, Checkbox, Group, NumberInput, Paper, Stack, Text, Textarea, TextInput, Title } from "@mantine/core"
import { useQuery, useQueryClient } from "@tanstack/react-query"
import { getRouteApi } from "@tanstack/react-router"
import { useState } from "react"
import { useTranslation } from "react-i18next"
import { isApiError } from "@/api/problem"
import { assignmentsCreateAssignment, assignmentsListAssignments, assignmentsUpdateAssignment } from "@/client"
import type { AssignmentPublic } from "@/client"
import { ErrorState } from "@/components/ErrorState"
import { PageSkeleton } from "@/components/Skeletons"
import { AnchorLink } from "@/components/links"
import { formatDateTime } from "@/lib/format"
import { notify } from "@/lib/notify"
import { isoToLocalInput, localInputToIso, localZone } from "./dates"
import { adminFieldErrors } from "./fieldErrors"
import { adminProblem } from "./problem"
import { editCourseQuery } from "./queries"

const route = getRouteApi("/admin/courses/$courseId/assignments")

export function AssignmentsPage() {
  const { t, i18n } = useTranslation()
  const { courseId } = route.useParams()
  const course = useQuery(editCourseQuery(courseId))
  const list = useQuery({
    queryKey: ["admin", "assignments", courseId],
    queryFn: async () => (await assignmentsListAssignments({ path: { course_ref: courseId }, query: { limit: 100 } })).data,
  })
  const [editing, setEditing] = useState<string | null>(null)
  if (list.isPending || course.isPending) return <PageSkeleton />
  if (list.isError) return <ErrorState error={list.error} onRetry={() => void list.refetch()} />
  if (course.isError) return <ErrorState error={course.error} onRetry={() => void course.refetch()} />
  return (
    <Stack>
      <AnchorLink to="/admin/courses/$courseId" params={{ courseId }}>
        {t("admin.editor.title")}: {course.data.name}
      </AnchorLink>
      <Title order={1}>{t("admin.assignments.title", { course: course.data.name })}</Title>
      {list.data.items.length === 0 && <Text>{t("admin.assignments.empty")}</Text>}
      {list.data.items.map((a) =>
        editing === a.id ? (
          <AssignmentForm key={a.id} courseId={courseId} assignment={a} onDone={() => setEditing(null)} />
        ) : (
          <Paper key={a.id} withBorder p="sm">
            <Group justify="space-between">
              <Stack gap={2}>
                <Text fw={700}>{a.title}</Text>
                <Text size="sm">
                  {a.due_at ? formatDateTime(a.due_at, i18n.language) : t("admin.assignments.noDue")} · {t("admin.assignments.maxScore")} {a.max_score}
                  {a.allow_late ? ` · ${t("admin.assignments.allowLate")}` : ""}
                </Text>
              </Stack>
              <Group gap="xs">
                {a.status !== "active" && <Badge>{a.status}</Badge>}
                <Button size="xs" variant="default" onClick={() => setEditing(a.id)} aria-label={`${t("admin.common.edit")} ${a.title}`}>
                  {t("admin.common.edit")}
                </Button>
              </Group>
            </Group>
          </Paper>
        ),
      )}
      <Title order={2} size="h3">
        {t("admin.assignments.new")}
      </Title>
      <AssignmentForm courseId={courseId} assignment={null} onDone={() => {}} />
    </Stack>
  )
}

function AssignmentForm({ courseId, assignment, onDone }: { courseId: string; assignment: AssignmentPublic | null; onDone: () => void }) {
  const { t, i18n } = useTranslation()
  const queryClient = useQueryClient()
  const empty = { title: "", instructions: "", due: "", max_score: 100 as number | string, allow_late: true }
  const initial = assignment
    ? { title: assignment.title, instructions: assignment.instructions, due: isoToLocalInput(assignment.due_at), max_score: assignment.max_score, allow_late: assignment.allow_late }
    : empty
  const [v, setV] = useState(initial)
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [problem, setProblem] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async () => {
    setErrors({})
    setProblem(null)
    setBusy(true)
    const body = {
      title: v.title,
      instructions: v.instructions,
      due_at: localInputToIso(v.due),
      max_score: typeof v.max_score === "number" ? v.max_score : Number(v.max_score),
      allow_late: v.allow_late,
    }
    try {
      if (assignment) await assignmentsUpdateAssignment({ path: { assignment_id: assignment.id }, body })
      else await assignmentsCreateAssignment({ path: { course_ref: courseId }, body })
      notify(assignment ? t("admin.assignments.saved") : t("admin.assignments.created"), "green")
      await queryClient.invalidateQueries({ queryKey: ["admin", "assignments", courseId] })
      if (!assignment) setV(empty)
      onDone()
    } catch (e) {
      if (isApiError(e, 422)) setErrors(adminFieldErrors(e, t))
      setProblem(adminProblem(e, t, i18n.language))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Paper withBorder p="md">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        <Stack>
          <TextInput label={t("admin.assignments.name")} required value={v.title} error={errors.title} onChange={(e) => setV({ ...v, title: e.currentTarget.value })} />
          <Textarea label={t("admin.assignments.instructions")} autosize minRows={3} value={v.instructions} error={errors.instructions} onChange={(e) => setV({ ...v, instructions: e.currentTarget.value })} />
          <Group align="flex-end" wrap="wrap">
            <TextInput type="datetime-local" label={t("admin.assignments.dueAt", { zone: localZone() })} value={v.due} error={errors.due_at} onChange={(e) => setV({ ...v, due: e.currentTarget.value })} />
            <NumberInput label={t("admin.assignments.maxScore")} min={1} value={v.max_score} error={errors.max_score} onChange={(x) => setV({ ...v, max_score: x })} maw={160} />
            <Checkbox label={t("admin.assignments.allowLate")} checked={v.allow_late} onChange={(e) => setV({ ...v, allow_late: e.currentTarget.checked })} />
          </Group>
          {problem && (
            <Alert color="red" role="alert">
              {problem}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={busy}>
              {assignment ? t("admin.common.save") : t("admin.assignments.create")}
            </Button>
            {assignment && (
              <Button variant="default" onClick={onDone}>
                {t("admin.common.cancel")}
              </Button>
            )}
          </Group>
        </Stack>
      </form>
    </Paper>
  )
}
