/** The learning view: one section at a time, mark done (optimistic), previous/next, progress, AI advice. */
import { Alert, Box, Button, Grid, Group, Stack, Text, Title } from "@mantine/core"
import { useQuery } from "@tanstack/react-query"
import { createFileRoute } from "@tanstack/react-router"
import { useTranslation } from "react-i18next"
import { courseQuery, enrollmentQuery } from "@/api/queries"
import { AiPanel } from "@/components/AiPanel"
import { ErrorState } from "@/components/ErrorState"
import { Markdown } from "@/components/Markdown"
import { ProgressHistory } from "@/components/ProgressHistory"
import { ProgressSummary } from "@/components/ProgressSummary"
import { SectionNav } from "@/components/SectionNav"
import { PageSkeleton } from "@/components/Skeletons"
import { useMarkProgress } from "@/hooks/useMarkProgress"
import { requireSignIn } from "@/lib/guard"
import { formatDuration } from "@/lib/format"
import { nextSectionId, orderedSectionIds } from "@/lib/progress"
import { problemMessage } from "@/lib/problemMessage"
import { AnchorLink, ButtonLink } from "@/components/links"
import { notify } from "@/lib/notify"

export const Route = createFileRoute("/learn/$enrollmentId/{-$sectionId}")({
  beforeLoad: requireSignIn,
  component: LearnPage,
})

function LearnPage() {
  const { t, i18n } = useTranslation()
  const { enrollmentId, sectionId } = Route.useParams()
  const enrollment = useQuery(enrollmentQuery(enrollmentId))
  const course = useQuery({ ...courseQuery(enrollment.data?.course_id ?? ""), enabled: Boolean(enrollment.data) })
  const mark = useMarkProgress(enrollmentId, (error) =>
    notify(problemMessage(error, t, i18n.language), "red", t("learn.saveFailed")),
  )

  if (enrollment.isError) return <ErrorState error={enrollment.error} onRetry={() => void enrollment.refetch()} />
  if (course.isError) return <ErrorState error={course.error} onRetry={() => void course.refetch()} />
  if (!enrollment.data || !course.data) return <PageSkeleton lines={12} />

  const e = enrollment.data
  const c = course.data
  const ids = orderedSectionIds(c)
  const currentId = sectionId && ids.includes(sectionId) ? sectionId : nextSectionId(c, e.completed_sections)
  const index = currentId ? ids.indexOf(currentId) : -1
  const section = c.sections.find((s) => s.section_id === currentId)
  const done = currentId ? e.completed_sections.includes(currentId) : false
  const prevId = index > 0 ? ids[index - 1] : undefined
  const nextId = index >= 0 && index < ids.length - 1 ? ids[index + 1] : undefined
  const dropped = e.status === "dropped"

  return (
    <Grid gutter="xl">
      <Grid.Col span={{ base: 12, md: 8 }}>
        <Stack gap="md">
          <AnchorLink to="/courses/$slug" params={{ slug: c.slug }} size="sm">
            {c.name}
          </AnchorLink>
          {dropped && <Alert variant="default" color="yellow" title={t("learn.droppedNotice")} />}
          {!dropped && ids.length > 0 && ids.every((id) => e.completed_sections.includes(id)) && (
            <Text c="green.9" fw={700} role="status">
              {t("learn.courseDone")}
            </Text>
          )}
          {!section ? (
            <Text>{t("learn.noSections")}</Text>
          ) : (
            <>
              <div>
                <Text size="sm" c="dimmed">
                  {t("learn.sectionOf", { n: index + 1, total: ids.length })} ·{" "}
                  {formatDuration(section.duration_minutes, t)}
                </Text>
                <Title order={1}>{section.title}</Title>
              </div>
              <Markdown source={section.body} />
              <Group justify="space-between" wrap="wrap" gap="sm">
                <Button
                  size="md"
                  variant={done ? "outline" : "filled"}
                  color={done ? "gray.8" : "green.9"}
                  disabled={dropped}
                  onClick={() => mark.mutate({ sectionId: section.section_id, completed: !done })}
                >
                  {done ? t("learn.markNotDone") : t("learn.markDone")}
                </Button>
                {done && (
                  <Text c="green.9" fw={600} aria-live="polite">
                    ✓ {t("learn.completed")}
                  </Text>
                )}
              </Group>
              <Group component="nav" aria-label={t("learn.contents")} justify="space-between" wrap="wrap">
                {prevId ? (
                  <ButtonLink variant="default" to="/learn/$enrollmentId/{-$sectionId}" params={{ enrollmentId, sectionId: prevId }}>
                    ← {t("learn.previous")}
                  </ButtonLink>
                ) : (
                  <Box />
                )}
                {nextId && (
                  <ButtonLink variant="default" to="/learn/$enrollmentId/{-$sectionId}" params={{ enrollmentId, sectionId: nextId }}>
                    {t("learn.next")} →
                  </ButtonLink>
                )}
              </Group>
            </>
          )}
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 4 }}>
        <Stack gap="lg">
          <ProgressSummary course={c} completed={e.completed_sections} />
          <SectionNav enrollmentId={enrollmentId} course={c} completed={e.completed_sections} currentId={currentId} />
          <AiPanel enrollmentId={enrollmentId} />
          <ProgressHistory history={e.history} />
        </Stack>
      </Grid.Col>
    </Grid>
  )
}
