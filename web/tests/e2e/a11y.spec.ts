/** axe-core on every student page, in both languages and at phone width: no serious or critical violations. */
import AxeBuilder from "@axe-core/playwright"
import { expect, test } from "@playwright/test"
import type { Page } from "@playwright/test"
import { adminApi, createAssignment, createCourse, createStudent, uid } from "./support/api"
import { signInAs } from "./support/ui"

async function serious(page: Page): Promise<string[]> {
  await page.waitForLoadState("networkidle")
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze()
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)
}

async function noHorizontalScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  expect(overflow, "horizontal scroll").toBeLessThanOrEqual(0)
}

for (const [lang, locale, width] of [
  ["en", "en-US", 1280],
  ["zh", "zh-CN", 360],
] as const) {
  test.describe(`accessibility (${lang}, ${width}px)`, () => {
    test.use({ locale, viewport: { width, height: 800 } })

    test(`every page passes axe (${lang})`, async ({ page }) => {
      const api = await adminApi()
      const name = `A11y ${lang} ${uid()}`
      const course = await createCourse(api, { name, sections: 3 })
      const assignment = await createAssignment(api, course.slug, {
        title: `Task ${name}`,
        due_at: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      })
      const closed = await createAssignment(api, course.slug, {
        title: `Closed ${name}`,
        due_at: new Date(Date.now() - 86_400_000).toISOString(),
        allow_late: false,
      })
      await api.dispose()
      const student = await createStudent()
      const en = lang === "en"

      const check = async (path: string) => {
        if (path) await page.goto(path)
        expect(await serious(page), `axe on ${page.url()}`).toEqual([])
        await noHorizontalScroll(page)
      }
      // a visitor without a session: no failing request at all (no refresh probe), so no console error
      const failed: string[] = []
      page.on("response", (r) => {
        if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`)
      })
      await check("/")
      await check(`/courses/${course.slug}`)
      expect(failed, "failing requests of a visitor").toEqual([])
      await check("/register")
      await check("/login")
      await signInAs(page, student, {
        signIn: lang === "en" ? "Sign in" : "登录",
        signOut: "",
        createAccount: "",
        username: lang === "en" ? "Username" : "用户名",
        password: lang === "en" ? "Password" : "密码",
      })
      await page.waitForURL((u) => !u.pathname.startsWith("/login"))
      await page.goto(`/courses/${course.slug}`)
      // Enter on Enroll: focus moves to what replaces the button, never to the page's body
      await page.getByRole("button", { name: en ? "Enroll" : "报名", exact: true }).focus()
      await page.keyboard.press("Enter")
      const start = page.getByRole("link", { name: en ? "Start learning" : "开始学习" })
      await expect(start).toBeFocused()
      await start.click()
      await page.getByRole("button", { name: lang === "en" ? "Mark as done" : "标记为已完成" }).click()
      await check("")
      await check("/me")
      // the drop dialog, open: named close button, focus on Cancel (not on the close icon), axe clean
      await page.getByRole("button", { name: `${en ? "Drop course" : "退出课程"}: ${name}` }).click()
      const dialog = page.getByRole("dialog", { name: en ? "Drop this course?" : "确定退出这门课程？" })
      await expect(dialog).toBeVisible()
      await expect(dialog.getByRole("button", { name: en ? "Close" : "关闭", exact: true })).toBeVisible()
      await expect(dialog.getByRole("button", { name: en ? "Cancel" : "取消" })).toBeFocused()
      await check("")
      await page.keyboard.press("Escape")
      await expect(dialog).toBeHidden()
      await check("/me/assignments")
      await check(`/assignments/${assignment.id}`)
      // past its due date with late work refused: the state is said, no hand-in form is offered
      await check(`/assignments/${closed.id}`)
      await expect(page.getByText(en ? "The due date has passed and late work is not accepted" : "截止时间已过，且不接受迟交")).toBeVisible()
      await expect(page.getByRole("textbox")).toHaveCount(0)
      await check("/profile")
      await check("/no/such/page")
    })
  })
}
