/**
 * Catalogue search, in both languages: a misspelt word ("pyhton") offers the right course as a suggestion,
 * the results mark the matched words, and a tag facet (with its count) narrows them down.
 */
import AxeBuilder from "@axe-core/playwright"
import { expect, test } from "@playwright/test"
import { adminApi, createCourse, uid } from "./support/api"

const WORDS = {
  en: { locale: "en-US", search: "Search courses", tag: "Tag", sort: "Sort by", relevance: "Relevance", count: (t: string, n: number) => `${t} (${n})` },
  zh: { locale: "zh-CN", search: "搜索课程", tag: "标签", sort: "排序", relevance: "相关度", count: (t: string, n: number) => `${t}（${n}）` },
}

for (const [lang, w] of Object.entries(WORDS)) {
  test.describe(`search (${lang})`, () => {
    test.use({ locale: w.locale })

    test("type-ahead with a typo, highlighted matches, a tag facet", async ({ page }) => {
      const api = await adminApi()
      const word = `zq${uid()}`
      const tagA = `a${uid()}`
      const tagB = `b${uid()}`
      const one = await createCourse(api, { name: `Python for ${word}`, tags: [word, tagA] })
      const two = await createCourse(api, { name: `Python data ${word}`, tags: [word, tagB] })
      // The index follows the database's change stream: wait until both courses are searchable.
      await expect
        .poll(async () => {
          const res = await api.get(`/api/v1/courses?q=${encodeURIComponent(word)}`)
          return res.ok() ? ((await res.json()) as { total: number }).total : -1
        }, { timeout: 15_000 })
        .toBe(2)
      await api.dispose()

      await page.goto("/")
      const box = page.getByRole("combobox", { name: w.search })
      await box.pressSequentially(`pyhton ${word}`, { delay: 20 })
      await expect(page.getByRole("option", { name: one.name })).toBeVisible()

      // Enter without choosing a suggestion searches what was typed: both courses, typo forgiven, marked.
      await box.press("Escape")
      await box.press("Enter")
      await expect(page).toHaveURL(/q=pyhton/)
      await expect(page.getByRole("article")).toHaveCount(2)
      await expect(page.getByRole("article").first().locator("mark").first()).toHaveText(/python/i)
      await expect(page.getByLabel(w.sort)).toHaveValue("relevance")
      await expect(page.getByLabel(w.sort).locator("option:checked")).toHaveText(w.relevance)

      // The facet lists each tag of the matches with its count; choosing one narrows the results.
      await page.getByLabel(w.tag).selectOption({ label: w.count(tagB, 1) })
      await expect(page).toHaveURL(new RegExp(`tag=${tagB}`))
      await expect(page.getByRole("article")).toHaveCount(1)
      await expect(page.getByRole("article")).toContainText(`Python data ${word}`)
      const axe = await new AxeBuilder({ page }).analyze()
      expect(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([])

      // Picking a suggestion (by keyboard) searches for that course.
      await box.fill("")
      // Wait for the suggestions of the whole text: earlier ones (for a prefix) are shown until they come.
      const settled = page.waitForResponse(
        (r) => r.url().includes("/api/v1/courses/suggest") && new URL(r.url()).searchParams.get("q") === `pyhton data ${word}`,
      )
      await box.pressSequentially(`pyhton data ${word}`, { delay: 20 })
      await settled
      const option = page.getByRole("option", { name: two.name })
      await expect(option).toBeVisible()
      // Down through the suggestions (in the API's order) until that course's name is the active one.
      for (let i = 0; i < 8 && (await option.getAttribute("aria-selected")) !== "true"; i++) await box.press("ArrowDown")
      await expect(option).toHaveAttribute("aria-selected", "true")
      await box.press("Enter")
      await expect(box).toHaveValue(two.name)
      await expect(page).toHaveURL(/q=Python/)
      await expect(page.getByRole("article")).toHaveCount(1)
      await expect(page.getByRole("link", { name: two.name })).toBeVisible()
    })
  })
}
