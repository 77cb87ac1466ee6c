/** The course page: description, overview (sanitised Markdown), sections with minutes, enroll and its states. */
import { Badge, Group, List, Paper, Stack, Text, Title } from "@mantine/core"
import { useQuery } from "@tanstack/react-query"
import { createFileRoute } from "@tanstack/react-router"
import { useTranslation } from "react-i18next"
import { courseQuery } from "@/api/queries"
import { EnrollPanel } from "@/components/EnrollPanel"
import { ErrorState } from "@/components/ErrorState"
import { Markdown } from "@/components/Markdown"
import { PageSkeleton } from "@/components/Skeletons"
import { formatDuration } from "@/lib/format"

export const Route = createFileRoute("/courses/$slug")({
  component: CoursePage,
})

function CoursePage() {
  const { t } = useTranslation()
  const { slug } = Route.useParams()
  const course = useQuery(courseQuery(slug))

  if (course.isPending) return <PageSkeleton lines={10} />
  if (course.isError) return <ErrorState error={course.error} onRetry={() => void course.refetch()} />
  const c = course.data
  const sections = [...c.sections].sort((a, b) => a.order - b.order)

  return (
    <Stack gap="lg">
      <div>
        <Title order={1}>{c.name}</Title>
        <Text size="lg" mt="xs">
          {c.description}
        </Text>
        <Group gap="xs" mt="sm">
          {c.tags.map((tag) => (
            <Badge key={tag} variant="outline" color="gray.8">
              {tag}
            </Badge>
          ))}
          <Text size="sm">
            {t("course.sectionCount", { count: c.section_count })} · {formatDuration(c.total_minutes, t)}
          </Text>
        </Group>
      </div>
      <EnrollPanel course={c} />
      {c.content.trim() && (
        <section>
          <Title order={2} id="overview-heading" mb="sm">
            {t("course.overview")}
          </Title>
          <Markdown source={c.content} />
        </section>
      )}
      <section>
        <Title order={2} id="sections-heading" mb="sm">
          {t("course.sections")}
        </Title>
        {sections.length === 0 ? (
          <Text>{t("learn.noSections")}</Text>
        ) : (
          <Paper withBorder p="md">
            <List type="ordered" spacing="xs">
              {sections.map((s) => (
                <List.Item key={s.section_id}>
                  <Group justify="space-between" gap="xs" wrap="nowrap">
                    <Text style={{ overflowWrap: "anywhere" }}>{s.title}</Text>
                    <Text size="sm" c="dimmed" style={{ flex: "none" }}>
                      {t("course.minutes", { count: s.duration_minutes })}
                    </Text>
                  </Group>
                </List.Item>
              ))}
            </List>
          </Paper>
        )}
      </section>
    </Stack>
  )
}
