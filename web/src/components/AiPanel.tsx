/** Learning advice for this enrollment (in the UI's language, saying who wrote it) and recommendations. */
import { Badge, List, Paper, Skeleton, Stack, Text, Title } from "@mantine/core"
import { useQuery } from "@tanstack/react-query"
import { useTranslation } from "react-i18next"
import { adviceQuery } from "@/api/queries"
import { apiLang } from "@/i18n"
import { formatDate, formatPercent } from "@/lib/format"
import { Recommendations } from "./Recommendations"

export function AiPanel({ enrollmentId }: { enrollmentId: string }) {
  const { t, i18n } = useTranslation()
  const advice = useQuery(adviceQuery(enrollmentId, apiLang(i18n.language)))
  return (
    <Stack gap="lg">
      <Paper withBorder p="md" component="section">
        <Title order={2} size="h5" id="advice-heading" mb="xs">
          {t("ai.advice")}
        </Title>
        {advice.isPending ? (
          <Stack gap={6} aria-busy="true" aria-label={t("app.loading")}>
            <Skeleton h={12} />
            <Skeleton h={12} w="80%" />
            <Skeleton h={12} w="60%" />
          </Stack>
        ) : advice.isError ? (
          <Text size="sm">{t("ai.unavailable")}</Text>
        ) : (
          <Stack gap="xs">
            <Badge variant="outline" color="gray.8" size="sm">
              {advice.data.generated_by === "llm" ? t("ai.byModel") : t("ai.byOffline")}
            </Badge>
            <Text size="sm">{advice.data.summary}</Text>
            {advice.data.suggestions.length > 0 && (
              <List size="sm" spacing={4} aria-label={t("ai.suggestions")}>
                {advice.data.suggestions.map((s, i) => (
                  <List.Item key={i}>{s}</List.Item>
                ))}
              </List>
            )}
            <Text size="sm">{t("ai.pace", { count: advice.data.pace.sections_last_7_days })}</Text>
            {advice.data.cohort && advice.data.cohort.learners > 1 && (
              <Text size="sm">
                {t("ai.cohort", {
                  percent: formatPercent(advice.data.cohort.ahead_of_percent / 100, i18n.language),
                  learners: advice.data.cohort.learners,
                })}
              </Text>
            )}
            {advice.data.estimated_completion && (
              <Text size="sm">
                {t("ai.estimatedCompletion", { date: formatDate(advice.data.estimated_completion, i18n.language, "UTC") })}
              </Text>
            )}
          </Stack>
        )}
      </Paper>
      <Recommendations compact />
    </Stack>
  )
}
