/**
 * "Recommended for you": courses with the reasons the recommender gives, in the UI's language. Opening one
 * reports the click (which list, which place) without holding up the navigation.
 */
import { List, Paper, SimpleGrid, Skeleton, Stack, Text, Title } from "@mantine/core"
import { useQuery } from "@tanstack/react-query"
import { useTranslation } from "react-i18next"
import { recommendationsQuery } from "@/api/queries"
import { reportRecommendationClick } from "@/api/recommendationClicks"
import { apiLang } from "@/i18n"
import { AnchorLink } from "./links"

export function Recommendations({ compact = false }: { compact?: boolean }) {
  const { t, i18n } = useTranslation()
  const recs = useQuery(recommendationsQuery(apiLang(i18n.language)))
  return (
    <section>
      <Title order={2} size={compact ? "h5" : "h3"} id="recs-heading" mb="xs">
        {t("ai.recommended")}
      </Title>
      {recs.isPending ? (
        <Skeleton h={80} />
      ) : recs.isError || recs.data.items.length === 0 ? (
        <Text size="sm">{t("ai.noRecommendations")}</Text>
      ) : (
        <SimpleGrid cols={compact ? 1 : { base: 1, sm: 2 }} spacing="sm">
          {recs.data.items.map((r, i) => (
            <Paper key={r.course.id} withBorder p="sm" component="article">
              <Stack gap={4}>
                <AnchorLink
                  to="/courses/$slug"
                  params={{ slug: r.course.slug }}
                  fw={600}
                  onClick={() => reportRecommendationClick(recs.data.impression_id, r.course.id, i + 1)}
                >
                  {r.course.name}
                </AnchorLink>
                {r.reasons.length > 0 && (
                  <List size="xs" spacing={2} aria-label={`${t("ai.why")}: ${r.course.name}`}>
                    {r.reasons.map((reason, i) => (
                      <List.Item key={i}>{reason}</List.Item>
                    ))}
                  </List>
                )}
              </Stack>
            </Paper>
          ))}
        </SimpleGrid>
      )}
    </section>
  )
}
