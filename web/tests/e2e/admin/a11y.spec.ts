/** axe-core on every admin page in both languages (desktop and phone width): 0 serious or critical; screenshots. */
import AxeBuilder from "@axe-core/playwright"
import { expect, test } from "@playwright/test"
import type { Page } from "@playwright/test"
import { adminApi, createAssignment, createCourse, uid } from "../support/api"
import { ADMIN_WORDS, adminShot, signIn } from "./words"

async function serious(page: Page): Promise<string[]> {
  await page.waitForLoadState("networkidle")
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze()
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)
}

for (const [lang, width] of [
  ["en", 1280],
  ["zh", 360],
] as const) {
  const w = ADMIN_WORDS[lang]
  test.describe(`admin accessibility (${lang}, ${width}px)`, () => {
    test.use({ locale: w.locale, viewport: { width, height: 900 } })

    test(`every admin page passes axe (${lang}, ${width}px)`, async ({ page }) => {
      test.setTimeout(120_000)
      const api = await adminApi()
      const course = await createCourse(api, { name: `A11y admin ${uid()}`, sections: 2 })
      await createAssignment(api, course.slug, { title: `Task ${uid()}` })
      await api.dispose()
      await signIn(page, w)
      const pages: [string, string][] = [
        ["/admin", "dashboard"],
        ["/admin/courses", "courses"],
        [`/admin/courses/${course.id}`, "course"],
        ["/admin/courses/new", "new"],
        [`/admin/courses/${course.id}/assignments`, "assignments"],
        ["/admin/import", "importpage"],
        [`/admin/learners?course=${course.id}`, "learners-empty"],
        ["/admin/grading", "gradingqueue"],
        ["/admin/people", "peoplelist"],
        ["/admin/audit", "auditlog"],
      ]
      for (const [path, name] of pages) {
        await page.goto(path)
        await expect(page.getByRole("heading", { level: 1 })).toBeVisible()
        expect(await serious(page), `${path}`).toEqual([])
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
        expect(overflow, `horizontal scroll on ${path}`).toBeLessThanOrEqual(0)
        await adminShot(page, `admin-${name}-${lang}`)
      }
    })
  })
}
