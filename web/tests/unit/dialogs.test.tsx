/** Every dialog's close button is named in the user's language (the theme's default), and the hand-in rule. */
import { MantineProvider, Modal } from "@mantine/core"
import { render, screen } from "@testing-library/react"
import { describe, expect, it } from "vitest"
import i18n from "@/i18n"
import { pastDueAndClosed } from "@/lib/deadline"
import { localisedTheme } from "@/theme"

function dialog(lang: string) {
  const t = i18n.getFixedT(lang)
  return render(
    <MantineProvider theme={localisedTheme(t("app.close"))}>
      <Modal opened onClose={() => {}} title="退出课程？">
        <button type="button">OK</button>
      </Modal>
    </MantineProvider>,
  )
}

describe("dialogs", () => {
  it("name the close button in Chinese and in English", () => {
    const zh = dialog("zh-CN")
    expect(screen.getByRole("button", { name: "关闭" })).toBeInTheDocument()
    zh.unmount()
    dialog("en")
    expect(screen.getByRole("button", { name: "Close" })).toBeInTheDocument()
    for (const button of screen.getAllByRole("button")) expect(button).toHaveAccessibleName()
  })
})

describe("pastDueAndClosed", () => {
  const now = Date.parse("2026-06-01T12:00:00Z")
  it("is true only past the due date with late work refused", () => {
    expect(pastDueAndClosed({ due_at: "2026-06-01T11:59:00Z", allow_late: false }, now)).toBe(true)
    expect(pastDueAndClosed({ due_at: "2026-06-01T11:59:00Z", allow_late: true }, now)).toBe(false)
    expect(pastDueAndClosed({ due_at: "2026-06-01T12:01:00Z", allow_late: false }, now)).toBe(false)
    expect(pastDueAndClosed({ due_at: null, allow_late: false }, now)).toBe(false)
  })
})
