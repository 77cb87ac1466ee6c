/** One assignment: instructions, hand in (text + links, checked inline), every attempt, grade and feedback. */
import { Alert, Button, Group, Paper, Stack, Text, Textarea, Title } from "@mantine/core"
import { useForm } from "@mantine/form"
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { createFileRoute } from "@tanstack/react-router"
import { useState } from "react"
import { useTranslation } from "react-i18next"
import { assignmentQuery, submissionQuery } from "@/api/queries"
import { assignmentsSubmit } from "@/client"
import type { AssignmentPublic } from "@/client"
import { AssignmentState } from "@/components/AssignmentState"
import { Attempts } from "@/components/Attempts"
import { ErrorState } from "@/components/ErrorState"
import { Markdown } from "@/components/Markdown"
import { PageSkeleton } from "@/components/Skeletons"
import { formatDateTime } from "@/lib/format"
import { requireSignIn } from "@/lib/guard"
import { pastDueAndClosed } from "@/lib/deadline"
import { firstBadLink, splitLinks } from "@/lib/links"
import { formProblem } from "@/lib/problemMessage"
import { notify } from "@/lib/notify"

export const Route = createFileRoute("/assignments/$id")({
  beforeLoad: requireSignIn,
  component: AssignmentPage,
})

function AssignmentPage() {
  const { t, i18n } = useTranslation()
  const { id } = Route.useParams()
  const assignment = useQuery(assignmentQuery(id))
  const submissionId = assignment.data?.my_submission?.submission_id ?? null
  const submission = useQuery({ ...submissionQuery(submissionId ?? ""), enabled: submissionId !== null })

  if (assignment.isPending) return <PageSkeleton />
  if (assignment.isError) return <ErrorState error={assignment.error} onRetry={() => void assignment.refetch()} />
  const a = assignment.data
  return (
    <Stack gap="lg">
      <div>
        <Title order={1}>{a.title}</Title>
        <Group gap="sm" mt="xs">
          <Text size="sm">
            {a.due_at ? t("assignments.dueAt", { date: formatDateTime(a.due_at, i18n.language) }) : t("assignments.noDue")}
          </Text>
          <AssignmentState assignment={a} />
        </Group>
        {a.due_at && (
          <Text size="sm" c="dimmed">
            {a.allow_late ? t("assignments.lateAllowed") : t("assignments.lateRefused")}
          </Text>
        )}
      </div>
      <section>
        <Title order={2} size="h3" id="instructions-heading" mb="xs">
          {t("assignments.instructions")}
        </Title>
        <Markdown source={a.instructions} />
      </section>
      {a.status === "archived" ? (
        <Alert variant="default" color="gray" title={t("assignments.closed")} />
      ) : pastDueAndClosed(a) ? (
        <Alert variant="default" color="gray" title={t("assignments.pastDue")} />
      ) : (
        <HandIn assignment={a} />
      )}
      <section>
        <Title order={2} size="h3" id="attempts-heading" mb="xs">
          {t("assignments.attempts")}
        </Title>
        {submissionId === null ? (
          <Text>{t("assignments.noAttempts")}</Text>
        ) : submission.isPending ? (
          <PageSkeleton lines={3} />
        ) : submission.isError ? (
          <ErrorState error={submission.error} onRetry={() => void submission.refetch()} />
        ) : (
          <Attempts submission={submission.data} maxScore={a.max_score} />
        )}
      </section>
    </Stack>
  )
}

function HandIn({ assignment }: { assignment: AssignmentPublic }) {
  const { t, i18n } = useTranslation()
  const queryClient = useQueryClient()
  const [error, setError] = useState<string | null>(null)
  const form = useForm({
    mode: "controlled",
    validateInputOnBlur: true,
    initialValues: { content: "", links: "" },
    validate: {
      content: (v) => (v.trim() ? null : t("assignments.answerRequired")),
      links: (v) => {
        const bad = firstBadLink(v)
        return bad ? t("assignments.badLink", { link: bad }) : null
      },
    },
  })
  const submit = useMutation({
    mutationFn: async (values: { content: string; links: string }) =>
      (
        await assignmentsSubmit({
          path: { assignment_id: assignment.id },
          body: { content: values.content, links: splitLinks(values.links) },
        })
      ).data,
    onSuccess: async () => {
      form.reset()
      notify(t("assignments.handedIn"), "green")
      await queryClient.invalidateQueries({ queryKey: ["assignments"] })
      await queryClient.invalidateQueries({ queryKey: ["submissions"] })
    },
    onError: (e) => {
      const problem = formProblem(e, t, i18n.language, ["content", "links"])
      form.setErrors(problem.fields)
      setError(problem.message)
    },
  })
  return (
    <Paper withBorder p="md" component="section">
      <Title order={2} size="h3" id="handin-heading" mb="sm">
        {t("assignments.handIn")}
      </Title>
      <form
        noValidate
        onSubmit={form.onSubmit((values) => {
          setError(null)
          submit.mutate(values)
        })}
      >
        <Stack>
          <Textarea label={t("assignments.answer")} autosize minRows={5} required {...form.getInputProps("content")} />
          <Textarea
            label={t("assignments.links")}
            description={t("assignments.linksHint")}
            autosize
            minRows={2}
            {...form.getInputProps("links")}
          />
          {error && (
            <Text c="red.8" role="alert">
              {error}
            </Text>
          )}
          <Group>
            <Button type="submit" loading={submit.isPending}>
              {t("assignments.handIn")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  )
}

