/**
 * The course editor in both languages: build a course from nothing (fields, live preview, sections added
 * and reordered by keyboard), save, publish with confirmation, and see it in the student catalogue; then a
 * 412 made by a second admin's browser, resolved by overwrite. Leaving with unsaved changes asks.
 */
import { expect, test } from "@playwright/test"
import { uid } from "../support/api"
import { ADMIN_WORDS, adminShot, secondAdmin, signIn } from "./words"

for (const lang of ["en", "zh"] as const) {
  const w = ADMIN_WORDS[lang]
  test.describe(`course editor (${lang})`, () => {
    test.use({ locale: w.locale })

    test(`build a course from nothing and publish it (${lang})`, async ({ page }) => {
      const name = `Editor ${lang} ${uid()}`
      await signIn(page, w)
      await page.getByRole("navigation", { name: w.console }).getByRole("link", { name: w.courses, exact: true }).click()
      await page.getByRole("link", { name: w.newCourse }).click()
      await page.getByLabel(w.name, { exact: true }).fill(name)
      await page.getByLabel(w.description).fill("Everything about editing.")
      await page.getByLabel(w.tags).fill("E2E, Admin")
      await page.getByLabel(w.overview).fill("## Hello\n\n**bold** <img src=x onerror=alert(1)>")
      // The preview is live and sanitised: the heading renders, the handler does not survive.
      await expect(page.locator(".oms-markdown h2")).toHaveText("Hello")
      await expect(page.locator(".oms-markdown img[onerror]")).toHaveCount(0)
      for (const [i, title] of ["First part", "Second part"].entries()) {
        await page.getByRole("button", { name: w.addSection }).click()
        await page.getByLabel(`${w.sectionTitle} ${i + 1}`).fill(title)
        await page.getByLabel(`${w.duration} ${i + 1}`).fill(String(15 * (i + 1)))
      }
      // Keyboard reorder: focus "Move up" on the second section and press Enter.
      const up = page.getByRole("button", { name: new RegExp(`^${w.moveUp}.*Second part`) })
      await up.focus()
      await page.keyboard.press("Enter")
      await expect(page.getByLabel(`${w.sectionTitle} 1`)).toHaveValue("Second part")
      // Drag and drop: the handle of "First part" dropped on the first card puts it back on top.
      await page
        .getByRole("button", { name: new RegExp(`First part`) })
        .and(page.locator("[draggable=true]"))
        .dragTo(page.getByTestId("section-card").first())
      await expect(page.getByLabel(`${w.sectionTitle} 1`)).toHaveValue("First part")
      // And by keyboard again: "Move down" on it.
      await page.getByRole("button", { name: new RegExp(`^${w.moveDown}.*First part`) }).focus()
      await page.keyboard.press("Enter")
      await expect(page.getByLabel(`${w.sectionTitle} 1`)).toHaveValue("Second part")
      await adminShot(page, `admin-editor-${lang}`)
      await page.getByRole("button", { name: w.create }).click()
      await expect(page.getByText(w.created)).toBeVisible()
      await expect(page).toHaveURL(/\/admin\/courses\/[0-9a-f]{24}$/)
      await expect(page.getByRole("heading", { name: w.editor, level: 1 })).toBeVisible()

      await page.getByRole("button", { name: w.publish, exact: true }).click()
      await page.getByRole("dialog").getByRole("button", { name: w.publish, exact: true }).click()
      await expect(page.getByText(w.published)).toBeVisible()

      // The student catalogue shows it with its sections in the new order.
      await page.goto(`/?q=${encodeURIComponent(name)}`)
      await page.getByRole("link", { name }).first().click()
      const sections = page.getByRole("listitem").filter({ hasText: /First part|Second part/ })
      await expect(sections.first()).toContainText("Second part")
    })

    test(`a save after someone else's is refused and shows what changed (${lang})`, async ({ page, browser }) => {
      const name = `Conflict ${lang} ${uid()}`
      await signIn(page, w)
      await page.goto("/admin/courses/new")
      await page.getByLabel(w.name, { exact: true }).fill(name)
      await page.getByRole("button", { name: w.create }).click()
      await expect(page).toHaveURL(/\/admin\/courses\/[0-9a-f]{24}$/)
      const url = page.url()

      const other = await secondAdmin(browser, w)
      await other.page.goto(url)
      await other.page.getByLabel(w.description).fill("Written by the other admin")
      await other.page.getByRole("button", { name: w.save, exact: true }).click()
      await expect(other.page.getByText(w.saved)).toBeVisible()
      await other.context.close()

      await page.getByLabel(w.name, { exact: true }).fill(`${name} (mine)`)
      await page.getByRole("button", { name: w.save, exact: true }).click()
      const dialog = page.getByRole("dialog", { name: w.conflict })
      await expect(dialog).toBeVisible()
      await expect(dialog).toContainText("Written by the other admin")
      await adminShot(page, `admin-conflict-${lang}`)
      await dialog.getByRole("button", { name: w.overwrite }).click()
      await expect(page.getByText(w.saved)).toBeVisible()
      await page.reload()
      await expect(page.getByLabel(w.name, { exact: true })).toHaveValue(`${name} (mine)`)
      await expect(page.getByLabel(w.description)).toHaveValue("Written by the other admin")

      // Unsaved changes: leaving asks first.
      await page.getByLabel(w.description).fill("not saved")
      await page.getByRole("link", { name: w.dashboard }).click()
      await expect(page.getByRole("dialog")).toBeVisible()
    })
  })
}
