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
      await api.dispose()
      const student = await createStudent()

      const check = async (path: string) => {
        if (path) await page.goto(path)
        expect(await serious(page), `axe on ${page.url()}`).toEqual([])
        await noHorizontalScroll(page)
      }
      await check("/")
      await check(`/courses/${course.slug}`)
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
      await page.getByRole("button", { name: lang === "en" ? "Enroll" : "报名", exact: true }).click()
      await page.getByRole("link", { name: lang === "en" ? "Start learning" : "开始学习" }).click()
      await page.getByRole("button", { name: lang === "en" ? "Mark as done" : "标记为已完成" }).click()
      await check("")
      await check("/me")
      await check("/me/assignments")
      await check(`/assignments/${assignment.id}`)
      await check("/profile")
      await check("/no/such/page")
    })
  })
}
