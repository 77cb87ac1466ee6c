/**
 * Import and export through the console, in both languages: a pasted file with broken items → dry run
 * (nothing written; failures with line and field) → import for real; then export by tag and re-import the
 * exported file unchanged: every item "unchanged", nothing written.
 */
import { expect, test } from "@playwright/test"
import fs from "node:fs/promises"
import { uid } from "../support/api"
import { ADMIN_WORDS, adminShot, signIn } from "./words"

for (const lang of ["en", "zh"] as const) {
  const w = ADMIN_WORDS[lang]
  test.describe(`import and export (${lang})`, () => {
    test.use({ locale: w.locale })

    test(`dry run of a file with broken items, then for real, then export and re-import unchanged (${lang})`, async ({ page }) => {
      const tag = `imp${uid()}`
      const good = (n: number) =>
        JSON.stringify({
          slug: `${tag}-${n}`,
          name: `Imported ${tag} ${n}`,
          tags: [tag],
          status: "published",
          sections: [{ title: "Only part", body: "Text", duration_minutes: 10 }],
        })
      const lines = [
        good(1),
        JSON.stringify({ slug: `${tag}-bad`, tags: [tag] }),
        good(2),
        JSON.stringify({ slug: `${tag}-bad2`, name: "x", sections: [{ duration_minutes: -5 }] }),
        good(3),
      ]
      await signIn(page, w)
      await page.getByRole("link", { name: w.import, exact: true }).click()
      await page.getByLabel(w.paste).fill(lines.join("\n"))
      await page.getByRole("button", { name: w.dryRun }).click()
      await expect(page.getByRole("heading", { name: w.dryRunReport })).toBeVisible()
      const summary = page.getByRole("status").filter({ hasText: "·" })
      await expect(summary).toContainText(/3\D+0\D+0\D+2\D+0/)
      // The failures are shown first, with their line and the field's location.
      const table = page.getByRole("table")
      await expect(table.getByRole("row").filter({ hasText: `${tag}-bad2` })).toContainText("sections.0")
      await expect(table.getByRole("row").filter({ hasText: `${tag}-bad` }).first()).toContainText("name")
      await expect(table.getByRole("row").filter({ hasText: `${tag}-bad2` }).getByRole("cell").nth(1)).toHaveText("4")
      await adminShot(page, `admin-import-${lang}`)
      // Nothing was written by the dry run.
      expect((await page.request.get(`/api/v1/courses/${tag}-1`)).status()).toBe(404)

      await page.getByRole("button", { name: w.real }).click()
      await expect(page.getByRole("heading", { name: w.realReport })).toBeVisible()
      await expect(summary).toContainText(/3\D+0\D+0\D+2\D+0/)
      expect((await page.request.get(`/api/v1/courses/${tag}-1`)).status()).toBe(200)

      // Export the tag and import the file again: nothing changes.
      await page.getByLabel(lang === "en" ? "Tag to export" : "要导出的标签").fill(tag)
      const downloading = page.waitForEvent("download")
      await page.getByRole("button", { name: w.export }).click()
      const file = await (await downloading).path()
      const exported = await fs.readFile(file, "utf8")
      expect(exported.trim().split("\n")).toHaveLength(3)
      await page.getByLabel(w.paste).fill(exported)
      await page.getByRole("button", { name: w.dryRun }).click()
      await expect(page.getByRole("heading", { name: w.dryRunReport })).toBeVisible()
      await expect(summary).toContainText(/0\D+0\D+3\D+0\D+0/)
      await page.getByRole("button", { name: w.real }).click()
      await expect(page.getByRole("heading", { name: w.realReport })).toBeVisible()
      await expect(summary).toContainText(/0\D+0\D+3\D+0\D+0/)
    })
  })
}
