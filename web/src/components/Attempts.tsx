/** Every attempt (newest first) with its late flag, and the grades with feedback. */
import { Anchor, Badge, Group, List, Paper, Stack, Text } from "@mantine/core"
import { useTranslation } from "react-i18next"
import type { SubmissionPublic } from "@/client"
import { formatDateTime, formatNumber } from "@/lib/format"
import { safeHttpUrl } from "@/lib/markdown"

export function Attempts({ submission, maxScore }: { submission: SubmissionPublic; maxScore: number }) {
  const { t, i18n } = useTranslation()
  const attempts = [...submission.attempts].sort((a, b) => b.n - a.n)
  return (
    <Stack gap="sm">
      {attempts.map((a) => {
        const grade = submission.grades.filter((g) => g.attempt === a.n).at(-1)
        return (
          <Paper key={a.n} withBorder p="md" component="article">
            <Group justify="space-between" mb="xs">
              <Text fw={700} id={`attempt-${a.n}`} component="h3" m={0}>
                {t("assignments.attempt", { n: a.n })}
              </Text>
              <Group gap="xs">
                <Text size="sm">{formatDateTime(a.submitted_at, i18n.language)}</Text>
                {a.late ? (
                  <Badge color="orange.9" variant="filled">
                    {t("assignments.late")}
                  </Badge>
                ) : (
                  <Badge color="gray.8" variant="outline">
                    {t("assignments.onTime")}
                  </Badge>
                )}
              </Group>
            </Group>
            <Text style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>{a.content}</Text>
            {a.links.length > 0 && (
              <List size="sm" mt="xs">
                {a.links.map((link, i) => {
                  const href = safeHttpUrl(link)
                  return (
                    <List.Item key={i} style={{ overflowWrap: "anywhere" }}>
                      {href ? (
                        <Anchor href={href} target="_blank" rel="noopener noreferrer nofollow">
                          {link}
                        </Anchor>
                      ) : (
                        link
                      )}
                    </List.Item>
                  )
                })}
              </List>
            )}
            <Stack gap={2} mt="sm">
              <Text size="sm" fw={600}>
                {t("assignments.grade")}:{" "}
                {grade
                  ? t("assignments.score", {
                      score: formatNumber(grade.score, i18n.language),
                      max: formatNumber(maxScore, i18n.language),
                    })
                  : t("assignments.notGraded")}
              </Text>
              {grade?.feedback && (
                <Text size="sm">
                  {t("assignments.feedback")}: {grade.feedback}
                </Text>
              )}
            </Stack>
          </Paper>
        )
      })}
    </Stack>
  )
}
