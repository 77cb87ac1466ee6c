/** The grading queue and the grading form with the submission's attempt history beside it. */
import { Alert, Badge, Button, Checkbox, Grid, Group, NumberInput, Paper, Select, Skeleton, Stack, Table, Text, Textarea, Title } from "@mantine/core"
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query"
import { getRouteApi, useNavigate } from "@tanstack/react-router"
import { useEffect, useRef, useState } from "react"
import { useTranslation } from "react-i18next"
import { assignmentsGrade, assignmentsGradingQueue } from "@/client"
import type { QueueItem } from "@/client"
import { fieldErrorMap, isApiError } from "@/api/problem"
import { ErrorState } from "@/components/ErrorState"
import { Pager } from "@/components/Pager"
import { formatDateTime } from "@/lib/format"
import { notify } from "@/lib/notify"
import { adminProblem } from "./problem"
import { pageCount } from "./queries"

const route = getRouteApi("/admin/grading")
// The queue has no search: a long page keeps the work of the day on the first one (the API's largest page).
const QUEUE_PAGE = 100

export function GradingPage() {
  const { t, i18n } = useTranslation()
  const search = route.useSearch()
  const navigate = useNavigate({ from: "/admin/grading" })
  const page = search.page ?? 1
  const queue = useQuery({
    queryKey: ["admin", "queue", search.status ?? null, search.late ?? null, page],
    queryFn: async () =>
      (
        await assignmentsGradingQueue({
          query: { status: search.status, late: search.late, limit: QUEUE_PAGE, offset: (page - 1) * QUEUE_PAGE },
        })
      ).data,
    placeholderData: keepPreviousData,
  })
  const pages = pageCount(queue.data?.total ?? 0, QUEUE_PAGE)
  // Grading the last item of the last page empties it: go to the page that now is the last.
  useEffect(() => {
    if (queue.data && !queue.isPlaceholderData && page > pages) void navigate({ search: (s) => ({ ...s, page: pages > 1 ? pages : undefined }), replace: true })
  }, [queue.data, queue.isPlaceholderData, page, pages]) // eslint-disable-line react-hooks/exhaustive-deps
  // The chosen submission stays on screen after it is graded, though grading moves it down the queue
  // (often onto another page): the form then shows the grade just given.
  const [kept, setKept] = useState<QueueItem | null>(null)
  const listed = queue.data?.items.find((i) => i.submission.id === search.submission) ?? null
  const chosen = listed ?? (kept?.submission.id === search.submission ? kept : null)
  const name = (i: QueueItem) => i.display_name || i.username || i.submission.user_id

  return (
    <Stack>
      <Title order={1}>{t("admin.grading.title")}</Title>
      <Group align="flex-end">
        <Select
          label={t("admin.grading.filterStatus")}
          value={search.status ?? "all"}
          allowDeselect={false}
          onChange={(v) => void navigate({ search: (s) => ({ ...s, status: v === "all" ? undefined : (v as "submitted" | "graded"), page: undefined }) })}
          data={[
            { value: "all", label: t("admin.common.all") },
            { value: "submitted", label: t("admin.grading.ungraded") },
            { value: "graded", label: t("admin.grading.graded") },
          ]}
        />
        <Checkbox
          label={t("admin.grading.lateOnly")}
          checked={!!search.late}
          onChange={(e) => {
            const late = e.currentTarget.checked
            void navigate({ search: (s) => ({ ...s, late: late || undefined, page: undefined }) })
          }}
        />
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Paper withBorder component="section" aria-labelledby="queue-heading" p="sm">
            <Title order={2} size="h4" id="queue-heading" mb="xs">
              {t("admin.grading.queue")}
            </Title>
            {queue.isError ? (
              <ErrorState error={queue.error} onRetry={() => void queue.refetch()} />
            ) : !queue.data ? (
              <Stack>{Array.from({ length: 5 }, (_, i) => <Skeleton key={i} height={36} />)}</Stack>
            ) : queue.data.items.length === 0 ? (
              <Text>{search.status || search.late ? t("admin.common.noResults") : t("admin.grading.empty")}</Text>
            ) : (
              <Table.ScrollContainer minWidth={420}>
                <Table highlightOnHover>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t("admin.grading.assignment")}</Table.Th>
                      <Table.Th>{t("admin.grading.student")}</Table.Th>
                      <Table.Th>{t("admin.common.status")}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {queue.data.items.map((i) => (
                      <Table.Tr key={i.submission.id} bg={i.submission.id === search.submission ? "blue.0" : undefined}>
                        <Table.Td>
                          <Button
                            variant="subtle"
                            size="compact-sm"
                            onClick={() => void navigate({ search: (s) => ({ ...s, submission: i.submission.id }) })}
                            aria-current={i.submission.id === search.submission ? "true" : undefined}
                            aria-label={`${i.assignment_title} · ${name(i)}`}
                          >
                            {i.assignment_title}
                          </Button>
                          <Text size="xs" c="gray.7">
                            {i.course_name}
                          </Text>
                        </Table.Td>
                        <Table.Td>{name(i)}</Table.Td>
                        <Table.Td>
                          <Group gap={4}>
                            <Badge variant="light" color={i.submission.status === "graded" ? "green" : "blue"} c={i.submission.status === "graded" ? undefined : "blue.9"}>
                              {i.submission.status === "graded" ? t("admin.grading.graded") : t("admin.grading.ungraded")}
                            </Badge>
                            {i.submission.late && (
                              <Badge color="red" variant="filled">
                                {t("admin.grading.late")}
                              </Badge>
                            )}
                          </Group>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
            {queue.data && queue.data.total > 0 && (
              <Group justify="space-between" mt="sm" wrap="wrap">
                <Text size="sm">{t("admin.common.total", { count: queue.data.total })}</Text>
                {pages > 1 && <Pager page={Math.min(page, pages)} pages={pages} onPage={(p) => void navigate({ search: (s) => ({ ...s, page: p > 1 ? p : undefined }) })} />}
              </Group>
            )}
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          {chosen ? <GradeForm key={`${chosen.submission.id}-${chosen.submission.updated_at}`} item={chosen} lang={i18n.language} onGraded={setKept} /> : <Text>{t("admin.grading.choose")}</Text>}
        </Grid.Col>
      </Grid>
    </Stack>
  )
}

function GradeForm({ item, lang, onGraded }: { item: QueueItem; lang: string; onGraded: (item: QueueItem) => void }) {
  const { t, i18n } = useTranslation()
  const queryClient = useQueryClient()
  const s = item.submission
  const [score, setScore] = useState<number | string>(s.score ?? "")
  const [feedback, setFeedback] = useState(s.feedback ?? "")
  const [error, setError] = useState<string | null>(null)
  const [fieldError, setFieldError] = useState<string | null>(null)
  const [feedbackError, setFeedbackError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  // The form sits beside a long queue (or below it on a phone): bring it into view when a submission is chosen.
  const formRef = useRef<HTMLDivElement>(null)
  useEffect(() => {
    formRef.current?.scrollIntoView?.({ block: "nearest" })
  }, [])
  const submit = async () => {
    setError(null)
    setFieldError(null)
    setFeedbackError(null)
    if (typeof score !== "number") {
      setFieldError(t("auth.required"))
      return
    }
    if (score < 0 || score > item.max_score) {
      setFieldError(t("admin.grading.scoreRange", { max: item.max_score }))
      return
    }
    setBusy(true)
    try {
      const { data } = await assignmentsGrade({ path: { submission_id: s.id }, body: { score, feedback } })
      notify(t("admin.grading.graded_ok"), "green")
      onGraded({ ...item, submission: data })
      await queryClient.invalidateQueries({ queryKey: ["admin", "queue"] })
    } catch (e) {
      const fields = isApiError(e, 422) ? fieldErrorMap(e) : {}
      if (fields.score) setFieldError(t("admin.grading.scoreRange", { max: item.max_score }))
      if (fields.feedback) setFeedbackError(fields.feedback)
      if (!fields.score && !fields.feedback) setError(adminProblem(e, t, i18n.language))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Stack ref={formRef}>
      <Paper withBorder p="sm" component="section" aria-labelledby="grade-heading">
        <Title order={2} size="h4" id="grade-heading">
          {t("admin.grading.grade")}: {item.assignment_title}
        </Title>
        <Text size="sm" c="gray.7" mb="sm">
          {item.course_name} · {item.display_name || item.username}
          {s.late && (
            <Badge ml="xs" color="red">
              {t("admin.grading.late")}
            </Badge>
          )}
        </Text>
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault()
            void submit()
          }}
        >
          <Stack>
            <NumberInput label={t("admin.grading.score", { max: item.max_score })} min={0} max={item.max_score} clampBehavior="none" withAsterisk={false} value={score} onChange={setScore} error={fieldError} required />
            <Textarea label={t("admin.grading.feedback")} value={feedback} onChange={(e) => setFeedback(e.currentTarget.value)} error={feedbackError} autosize minRows={3} />
            {error && (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            )}
            <Button type="submit" loading={busy} style={{ alignSelf: "flex-start" }}>
              {t("admin.grading.submit")}
            </Button>
          </Stack>
        </form>
      </Paper>
      <Paper withBorder p="sm" component="section" aria-labelledby="attempts-heading">
        <Title order={2} size="h4" id="attempts-heading" mb="xs">
          {t("admin.grading.attempts")}
        </Title>
        <Stack gap="sm">
          {[...s.attempts].reverse().map((a) => (
            <Paper key={a.n} p="xs" bg="gray.0">
              <Group gap="xs">
                <Text fw={600}>{t("admin.grading.attempt", { n: a.n })}</Text>
                <Text size="sm">{formatDateTime(a.submitted_at, lang)}</Text>
                {a.late && <Badge color="red">{t("admin.grading.late")}</Badge>}
              </Group>
              <Text style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}>{a.content}</Text>
              {a.links.length > 0 && (
                <Text size="sm">
                  {t("admin.grading.links")}: {a.links.join(" · ")}
                </Text>
              )}
            </Paper>
          ))}
        </Stack>
      </Paper>
    </Stack>
  )
}
