/** The progress bar with its number, computed from the sections done (so it moves with the optimistic mark). */
import { Progress, Text } from "@mantine/core"
import { useTranslation } from "react-i18next"
import { formatPercent } from "@/lib/format"
import { progressFraction } from "@/lib/progress"

interface Props {
  course: { name: string; sections: { section_id: string; order: number }[] }
  completed: string[]
  label?: string
}

export function ProgressSummary({ course, completed, label }: Props) {
  const { t, i18n } = useTranslation()
  const fraction = progressFraction(course, completed)
  const percent = formatPercent(fraction, i18n.language)
  return (
    <div>
      <Text fw={600} size="sm" mb={4} id="progress-label">
        {label ?? t("learn.progress")}
      </Text>
      <Progress
        value={fraction * 100}
        size="lg"
        color="green.9"
        aria-labelledby="progress-label"
        aria-valuetext={t("learn.progressValue", { percent })}
        transitionDuration={0}
      />
      <Text size="sm" mt={4}>
        {t("learn.progressValue", { percent })}
      </Text>
    </div>
  )
}
