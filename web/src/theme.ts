/** Mantine theme: darker shades so text and filled controls meet WCAG AA contrast; system fonts only. */
import { createTheme } from "@mantine/core"

export const theme = createTheme({
  primaryColor: "blue",
  primaryShade: 8,
  autoContrast: true,
  focusRing: "auto",
  defaultRadius: "md",
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif',
})
