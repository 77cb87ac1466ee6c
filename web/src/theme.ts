/** Mantine theme: darker shades so text and filled controls meet WCAG AA contrast; system fonts only. */
import { createTheme, DEFAULT_THEME, Drawer, mergeThemeOverrides, Modal, PasswordInput, Textarea, TextInput } from "@mantine/core"
import type { MantineColorsTuple, MantineThemeOverride } from "@mantine/core"

/** A palette with its darkest shades replaced, for text and filled badges that need 4.5:1 on white. */
function darker(name: "green" | "orange" | "red", shade8: string, shade9: string): MantineColorsTuple {
  const c = [...DEFAULT_THEME.colors[name]]
  c[8] = shade8
  c[9] = shade9
  return c as unknown as MantineColorsTuple
}

export const theme = createTheme({
  primaryColor: "blue",
  primaryShade: 8,
  colors: {
    green: darker("green", "#256d33", "#1d5c2a"),
    orange: darker("orange", "#b3440c", "#9a3a0a"),
    red: darker("red", "#c92a2a", "#a61e1e"),
  },
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

/**
 * The theme with the words it needs in the user's language: every Modal's and Drawer's close button is
 * named ("Close" / "关闭") unless a dialog names it itself, so no dialog has an unnamed icon button.
 */
export function localisedTheme(closeLabel: string): MantineThemeOverride {
  const close = { closeButtonProps: { "aria-label": closeLabel } }
  return mergeThemeOverrides(theme, {
    components: {
      Modal: Modal.extend({ defaultProps: close }),
      Drawer: Drawer.extend({ defaultProps: close }),
    },
  })
}
