/**
 * Catalogue search, in both languages: a misspelt word ("pyhton") offers the right course as a suggestion,
 * the results mark the matched words, and a tag facet (with its count) narrows them down.
 */
import AxeBuilder from "@axe-core/playwright"
import { expect, test } from "@playwright/test"
import { adminApi, createCourse, uid } from "./support/api"

const WORDS = {
  en: {
    locale: "en-US", search: "Search courses", tag: "Tag", sort: "Sort by", relevance: "Relevance",
    count: (t: string, n: number) => `${t} (${n})`, next: "Next page", previous: "Previous page",
    pageOf: (p: number, n: number) => `Page ${p} of ${n}`,
  },
  zh: {
    locale: "zh-CN", search: "搜索课程", tag: "标签", sort: "排序", relevance: "相关度",
    count: (t: string, n: number) => `${t}（${n}）`, next: "下一页", previous: "上一页",
    pageOf: (p: number, n: number) => `第 ${p} 页，共 ${n} 页`,
  },
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

    test("next page follows the API's cursor; Back and Previous return", async ({ page }) => {
      const api = await adminApi()
      const word = `zp${uid()}`
      for (let n = 1; n <= 13; n++) await createCourse(api, { name: `Paging ${word} ${String(n).padStart(2, "0")}`, tags: [word] })
      await expect
        .poll(async () => {
          const res = await api.get(`/api/v1/courses?q=${encodeURIComponent(word)}`)
          return res.ok() ? ((await res.json()) as { total: number }).total : -1
        }, { timeout: 15_000 })
        .toBe(13)
      await api.dispose()

      await page.goto(`/?q=${word}&sort=name`)
      await expect(page.getByRole("article")).toHaveCount(12)
      await expect(page.getByText(w.pageOf(1, 2))).toBeVisible()
      const asked = page.waitForRequest((r) => r.url().includes("/api/v1/courses?") && new URL(r.url()).searchParams.has("after"))
      await page.getByRole("button", { name: w.next }).click()
      const params = new URL((await asked).url()).searchParams
      expect(params.get("offset")).toBeNull()
      await expect(page).toHaveURL(/page=2&after=[\w-]+/)
      await expect(page.getByRole("article")).toHaveCount(1)
      await expect(page.getByRole("article")).toContainText(`Paging ${word} 13`)
      await expect(page.getByRole("button", { name: w.next })).toBeDisabled()

      await page.goBack()
      await expect(page.getByRole("article")).toHaveCount(12)
      await page.goForward()
      await expect(page.getByRole("article")).toHaveCount(1)
      await page.getByRole("button", { name: w.previous }).click()
      await expect(page.getByRole("article")).toHaveCount(12)
      await expect(page).not.toHaveURL(/after=/)
    })
  })
}
