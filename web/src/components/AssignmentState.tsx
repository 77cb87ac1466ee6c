/** An assignment's state for the student: not handed in / handed in / graded with the score. */
import { Badge } from "@mantine/core"
import { useTranslation } from "react-i18next"
import type { AssignmentPublic } from "@/client"
import { formatNumber } from "@/lib/format"

export function AssignmentState({ assignment }: { assignment: AssignmentPublic }) {
  const { t, i18n } = useTranslation()
  const state = assignment.my_submission?.state ?? "none"
  if (state === "graded") {
    const score = assignment.my_submission?.score
    return (
      <Badge color="green.9" variant="filled">
        {t("assignments.stateGraded")}
        {score != null &&
          ` · ${t("assignments.score", { score: formatNumber(score, i18n.language), max: formatNumber(assignment.max_score, i18n.language) })}`}
      </Badge>
    )
  }
  if (state === "submitted") return <Badge color="blue.9" variant="filled">{t("assignments.stateSubmitted")}</Badge>
  return (
    <Badge color="gray.8" variant="outline">
      {t("assignments.stateNone")}
    </Badge>
  )
}
