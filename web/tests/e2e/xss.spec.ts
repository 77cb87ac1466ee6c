/** Course text from an import carrying <script>, onerror= and javascript: links: shown as text, nothing runs. */
import { expect, test } from "@playwright/test"
import type { Page } from "@playwright/test"
import { adminApi, createStudent, importCourses, uid } from "./support/api"
import { signInAs } from "./support/ui"

const EVIL = [
  "<script>window.__pwned = 'script'</script>",
  '<img src="x" onerror="window.__pwned = \'onerror\'">',
  "[a javascript link](javascript:window.__pwned='md-link')",
  '<a href="javascript:window.__pwned=\'html-link\'">an html link</a>',
  '<svg onload="window.__pwned = \'svg\'"></svg>',
  '<iframe src="javascript:window.__pwned=\'iframe\'"></iframe>',
].join("\n\n")

async function assertNothingRan(page: Page, dialogs: string[]): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined()
  expect(dialogs).toEqual([])
  expect(await page.locator("main script, main iframe, main [onerror], main [onload]").count()).toBe(0)
  expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0)
}

test("hostile course text is sanitised and nothing runs", async ({ page }) => {
  const dialogs: string[] = []
  page.on("dialog", (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
  const slug = `xss-${uid()}`
  const name = `Hostile <img src=x onerror="window.__pwned='name'"> ${slug}`
  const api = await adminApi()
  await importCourses(api, [
    {
      slug,
      name,
      description: "<script>window.__pwned='description'</script> plain words",
      content: `# Overview\n\n${EVIL}`,
      tags: ["e2e", "xss"],
      status: "published",
      sections: [{ title: "<b onmouseover=\"window.__pwned='title'\">Section</b>", body: EVIL, duration_minutes: 5 }],
    },
  ])
  await api.dispose()

  await page.goto(`/courses/${slug}`)
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible() // the name is text, tags and all
  await expect(page.getByText("an html link")).toBeVisible()
  await page.getByText("a javascript link").click()
  await assertNothingRan(page, dialogs)

  const student = await createStudent()
  await page.getByRole("button", { name: "Enroll", exact: true }).click()
  await signInAs(page, student, {
    signIn: "Sign in",
    signOut: "Sign out",
    createAccount: "Create account",
    username: "Username",
    password: "Password",
  })
  await page.getByRole("button", { name: "Enroll", exact: true }).click()
  await page.getByRole("link", { name: "Start learning" }).click()
  await expect(page.getByRole("button", { name: "Mark as done" })).toBeVisible()
  await page.getByText("an html link").click()
  await assertNothingRan(page, dialogs)
})
