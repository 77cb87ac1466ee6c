/** Mantine theme: darker shades so text and filled controls meet WCAG AA contrast; system fonts only. */
import { createTheme, PasswordInput, Textarea, TextInput } from "@mantine/core"

export const theme = createTheme({
  primaryColor: "blue",
  primaryShade: 8,
  autoContrast: true,
  focusRing: "auto",
  defaultRadius: "md",
  // Labels read exactly as the words (no "*" in the label text); required fields say so by validation.
  components: {
    TextInput: TextInput.extend({ defaultProps: { withAsterisk: false } }),
    PasswordInput: PasswordInput.extend({ defaultProps: { withAsterisk: false } }),
    Textarea: Textarea.extend({ defaultProps: { withAsterisk: false } }),
  },
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif',
})
