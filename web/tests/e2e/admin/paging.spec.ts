/**
 * Lists longer than a page, in both languages: people found by a search that matches 26 accounts come in
 * two pages (the grading queue pages the same way, 100 to a page: its API paging is tested in pytest); the
 * audit log is filtered by the actor's name (not an id) and says who acted.
 */
import { expect, request as playwrightRequest, test } from "@playwright/test"
import { baseURL, uid } from "../support/api"
import { ADMIN_WORDS, adminCredentials, signIn } from "./words"

const PASSWORD = "correct-horse-9"

/** `n` students named <prefix>NN. */
async function crowd(prefix: string, n: number): Promise<void> {
  const ctx = await playwrightRequest.newContext({ baseURL })
  for (let i = 0; i < n; i++) {
    const username = `${prefix}${String(i).padStart(2, "0")}`
    const reg = await ctx.post("/api/v1/auth/register", { data: { username, password: PASSWORD } })
    expect(reg.status(), await reg.text()).toBe(201)
  }
  await ctx.dispose()
}

/** One audited action by the admin (a draft course), so the audit log has an entry of theirs to find. */
async function adminActs(prefix: string): Promise<void> {
  const ctx = await playwrightRequest.newContext({ baseURL })
  const login = await ctx.post("/api/v1/auth/login", { data: adminCredentials() })
  expect(login.status(), await login.text()).toBe(200)
  const headers = { Authorization: `Bearer ${(await login.json()).access_token}` }
  const made = await ctx.post("/api/v1/courses", { headers, data: { name: `Audit ${prefix}`, sections: [] } })
  expect(made.status(), await made.text()).toBe(201)
  await ctx.dispose()
}

for (const lang of ["en", "zh"] as const) {
  const w = ADMIN_WORDS[lang]
  test.describe(`paging and the audit actor (${lang})`, () => {
    test.use({ locale: w.locale })

    test(`people page past the first 25; the audit log finds the actor by name (${lang})`, async ({ page }) => {
      test.setTimeout(180_000)
      const prefix = `pg${uid().slice(-6)}`
      await crowd(prefix, 26)
      await adminActs(prefix)
      await signIn(page, w)

      await page.getByRole("link", { name: w.people, exact: true }).click()
      await page.getByLabel(w.search).fill(prefix)
      // the search applies after a pause in typing (in the URL); on a fresh database the first of the crowd
      // is on the unfiltered first page too, so wait for the search itself before paging
      await expect(page).toHaveURL(new RegExp(`[?&]q=${prefix}`))
      await expect(page.getByRole("cell", { name: `${prefix}00`, exact: true })).toBeVisible()
      await expect(page.getByRole("cell", { name: `${prefix}25`, exact: true })).toHaveCount(0)
      await page.getByRole("button", { name: w.nextPage }).click()
      await expect(page.getByText(w.page2)).toBeVisible()
      await expect(page.getByRole("cell", { name: `${prefix}25`, exact: true })).toBeVisible()
      await expect(page.getByRole("cell", { name: `${prefix}00`, exact: true })).toHaveCount(0)
      await page.reload() // the page is in the URL
      await expect(page.getByRole("cell", { name: `${prefix}25`, exact: true })).toBeVisible()

      const admin = adminCredentials().username
      await page.getByRole("link", { name: w.audit, exact: true }).click()
      await page.getByLabel(w.actorFilter).fill(admin.slice(0, 4).toUpperCase())
      await page.getByRole("button", { name: w.apply }).click()
      await expect(page).toHaveURL(/actor_q=/)
      await expect(page.getByRole("article").first()).toContainText(`${w.actor}: ${admin}`)
      await page.getByLabel(w.actorFilter).fill(`nobody-${prefix}@example.org`)
      await page.getByRole("button", { name: w.apply }).click()
      await expect(page.getByText(w.auditEmpty)).toBeVisible()
    })
  })
}
