/**
 * "Overwrite with my changes" is a three-way merge, seen from two browsers: admin A reorders sections and
 * edits one section's text and saves; admin B, from the version both loaded, edits another section and adds
 * one, is refused (412), sees A's text change in the dialog (which passes axe) and overwrites. The course
 * as the API returns it keeps A's order and text and has B's edits.
 */
import AxeBuilder from "@axe-core/playwright"
import { expect, test } from "@playwright/test"
import { adminApi, uid } from "../support/api"
import { ADMIN_WORDS, secondAdmin, signIn } from "./words"

interface Section {
  title: string
  body: string
  order: number
}

for (const lang of ["en", "zh"] as const) {
  const w = ADMIN_WORDS[lang]
  test.describe(`overwrite after a conflict (${lang})`, () => {
    test.use({ locale: w.locale })

    test(`keeps the other admin's order and text (${lang})`, async ({ page, browser }) => {
      const api = await adminApi()
      const created = await api.post("/api/v1/courses", {
        data: {
          name: `Overwrite ${lang} ${uid()}`,
          sections: ["Charlie", "Bravo", "Alpha"].map((title) => ({ title, body: `${title} text`, duration_minutes: 10 })),
        },
      })
      expect(created.status(), await created.text()).toBe(201)
      const { id } = (await created.json()) as { id: string }

      // Both open the course before either saves.
      await signIn(page, w)
      await page.goto(`/admin/courses/${id}`)
      const b = await secondAdmin(browser, w)
      await b.page.goto(`/admin/courses/${id}`)
      await expect(b.page.getByLabel(`${w.sectionBody} 1`)).toHaveValue("Charlie text")

      // A: Alpha up twice, then the text of section 3 (now Bravo).
      for (let i = 0; i < 2; i++) await page.getByRole("button", { name: new RegExp(`^${w.moveUp}.*Alpha`) }).click()
      await expect(page.getByLabel(`${w.sectionTitle} 3`)).toHaveValue("Bravo")
      await page.getByLabel(`${w.sectionBody} 3`).fill("Bravo text by A")
      await page.getByRole("button", { name: w.save, exact: true }).click()
      await expect(page.getByText(w.saved)).toBeVisible()

      // B: the text of section 1 (Charlie) and a new section, then save: refused, the dialog shows A's text.
      await b.page.getByLabel(`${w.sectionBody} 1`).fill("Charlie text by B")
      await b.page.getByRole("button", { name: w.addSection }).click()
      await b.page.getByLabel(`${w.sectionTitle} 4`).fill("Delta by B")
      await b.page.getByRole("button", { name: w.save, exact: true }).click()
      const dialog = b.page.getByRole("dialog", { name: w.conflict })
      await expect(dialog).toBeVisible()
      await expect(dialog).toContainText("Bravo text by A")
      const axe = await new AxeBuilder({ page: b.page }).include('[role="dialog"]').withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze()
      expect(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([])
      await dialog.getByRole("button", { name: w.overwrite }).click()
      await expect(b.page.getByText(w.saved)).toBeVisible()
      await b.context.close()

      const res = await api.get(`/api/v1/courses/${id}`)
      expect(res.status()).toBe(200)
      const sections = ((await res.json()) as { sections: Section[] }).sections.sort((x, y) => x.order - y.order)
      expect(sections.map((s) => s.title)).toEqual(["Alpha", "Charlie", "Bravo", "Delta by B"])
      expect(sections.map((s) => s.body).slice(0, 3)).toEqual(["Alpha text", "Charlie text by B", "Bravo text by A"])
      await api.dispose()
    })
  })
}
