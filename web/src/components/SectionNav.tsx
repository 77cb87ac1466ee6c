/** The course's sections as links, the current one marked, the done ones ticked. */
import { List, Text, Title } from "@mantine/core"
import { useTranslation } from "react-i18next"
import type { CoursePublic } from "@/client"
import { AnchorLink } from "./links"

interface Props {
  enrollmentId: string
  course: CoursePublic
  completed: string[]
  currentId: string | undefined
}

export function SectionNav({ enrollmentId, course, completed, currentId }: Props) {
  const { t } = useTranslation()
  const done = new Set(completed)
  const sections = [...course.sections].sort((a, b) => a.order - b.order)
  return (
    <nav>
      <Title order={2} size="h5" id="contents-heading" mb="xs">
        {t("learn.contents")}
      </Title>
      <List type="ordered" spacing={4} size="sm">
        {sections.map((s) => (
          <List.Item key={s.section_id}>
            <AnchorLink
              to="/learn/$enrollmentId/{-$sectionId}"
              params={{ enrollmentId, sectionId: s.section_id }}
              aria-current={s.section_id === currentId ? "page" : undefined}
              fw={s.section_id === currentId ? 700 : 400}
              size="sm"
            >
              {s.title}
            </AnchorLink>
            {done.has(s.section_id) && (
              <Text component="span" c="green.9" size="sm">
                {" "}
                ✓ <span className="oms-visually-hidden">{t("learn.completed")}</span>
              </Text>
            )}
          </List.Item>
        ))}
      </List>
    </nav>
  )
}
