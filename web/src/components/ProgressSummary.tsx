/** The progress bar with its number, computed from the sections done (so it moves with the optimistic mark). */
import { Text } from "@mantine/core"
import { useTranslation } from "react-i18next"
import { formatPercent } from "@/lib/format"
import { progressFraction } from "@/lib/progress"
import { ProgressBar } from "./ProgressBar"

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
      <Text fw={600} size="sm" mb={4} aria-hidden="true">
        {label ?? t("learn.progress")}
      </Text>
      <ProgressBar percent={fraction * 100} size="lg" label={label ?? t("learn.progress")} valueText={t("learn.progressValue", { percent })} />
      <Text size="sm" mt={4}>
        {t("learn.progressValue", { percent })}
      </Text>
    </div>
  )
}
