/** "Popular this week": the 7-day ranking; says so when nothing is popular yet, hidden when unavailable. */
import { Card, Group, ScrollArea, Skeleton, Text, Title } from "@mantine/core"
import { useQuery } from "@tanstack/react-query"
import { useTranslation } from "react-i18next"
import { popularQuery } from "@/api/queries"
import { AnchorLink } from "@/components/links"

export function PopularStrip() {
  const { t } = useTranslation()
  const popular = useQuery(popularQuery())
  if (popular.isError) return null
  return (
    <section>
      <Title order={2} size="h4" id="popular-heading" mb="xs">
        {t("catalogue.popularThisWeek")}
      </Title>
      {popular.data?.items.length === 0 ? (
        <Text size="sm">{t("catalogue.popularEmpty")}</Text>
      ) : (
      <ScrollArea type="auto" offsetScrollbars>
        <Group component="ol" gap="sm" wrap="nowrap" p={0} m={0} style={{ listStyle: "none" }} h={86}>
          {popular.isPending
            ? Array.from({ length: 4 }, (_, i) => <Skeleton key={i} component="li" h={76} w={200} />)
            : popular.data.items.map((item) => (
                <Card key={item.course.id} component="li" withBorder padding="sm" w={220} h={76} style={{ flex: "none" }}>
                  <AnchorLink to="/courses/$slug" params={{ slug: item.course.slug }} fw={600} lineClamp={1}>
                    {item.course.name}
                  </AnchorLink>
                  <Text size="xs" c="dimmed">
                    {t("catalogue.enrollments", { count: item.enrollments })}
                  </Text>
                </Card>
              ))}
        </Group>
      </ScrollArea>
      )}
    </section>
  )
}
