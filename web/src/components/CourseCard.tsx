/** A course in a list: name (the link), description, tags, sections and minutes. */
import { Badge, Card, Group, Text, Title } from "@mantine/core"
import { Link } from "@tanstack/react-router"
import { useTranslation } from "react-i18next"
import type { CourseSummary } from "@/client"
import { formatDuration } from "@/lib/format"

export function CourseCard({ course, extra }: { course: CourseSummary; extra?: React.ReactNode }) {
  const { t } = useTranslation()
  return (
    <Card withBorder padding="lg" radius="md" h="100%" component="article">
      <Title order={3} size="h4" mb="xs">
        <Link to="/courses/$slug" params={{ slug: course.slug }} className="oms-card-link">
          {course.name}
        </Link>
      </Title>
      <Text size="sm" c="dimmed" lineClamp={2} mb="sm">
        {course.description}
      </Text>
      {course.tags.length > 0 && (
        <Group gap={6} mb="sm">
          {course.tags.map((tag) => (
            <Badge key={tag} variant="outline" color="gray.8" size="sm">
              {tag}
            </Badge>
          ))}
        </Group>
      )}
      <Text size="sm" mt="auto">
        {t("course.sectionCount", { count: course.section_count })} · {formatDuration(course.total_minutes, t)}
      </Text>
      {extra}
    </Card>
  )
}
