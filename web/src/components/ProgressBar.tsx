/** A named progress bar (role progressbar on the bar itself, value rounded to whole percent). */
import { Progress } from "@mantine/core"

interface Props {
  percent: number
  label: string
  valueText: string
  size?: "sm" | "md" | "lg"
}

export function ProgressBar({ percent, label, valueText, size = "md" }: Props) {
  const value = Math.round(Math.min(100, Math.max(0, percent)))
  return (
    <Progress.Root size={size} transitionDuration={0}>
      <Progress.Section value={value} color="green.9" aria-label={label} aria-valuetext={valueText} />
    </Progress.Root>
  )
}
