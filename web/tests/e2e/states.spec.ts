/** The enroll button's states (enroll → drop with confirmation → re-enroll) and the server-down state. */
import AxeBuilder from "@axe-core/playwright"
import { expect, test } from "@playwright/test"
import { adminApi, createCourse, createStudent, uid } from "./support/api"
import { signInAs } from "./support/ui"

const EN = { signIn: "Sign in", signOut: "Sign out", createAccount: "Create account", username: "Username", password: "Password" }

test("drop a course with confirmation, then re-enroll", async ({ page }) => {
  const api = await adminApi()
  const name = `Drop me ${uid()}`
  const course = await createCourse(api, { name, sections: 2 })
  await api.dispose()
  await page.goto("/login")
  await signInAs(page, await createStudent(), EN)
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible()
  await page.goto(`/courses/${course.slug}`)
  await page.getByRole("button", { name: "Enroll", exact: true }).click()
  await expect(page.getByText("Enrolled", { exact: true })).toBeVisible()

  await page.getByRole("link", { name: "My courses" }).click()
  await page.getByRole("button", { name: `Drop course: ${name}` }).click()
  const dialog = page.getByRole("dialog", { name: "Drop this course?" })
  await expect(dialog).toBeVisible()
  await dialog.getByRole("button", { name: "Cancel" }).click()
  await expect(dialog).toBeHidden()
  await page.getByRole("button", { name: `Drop course: ${name}` }).click()
  await page.getByRole("dialog").getByRole("button", { name: "Drop course" }).click()
  await expect(page.getByText("Dropped", { exact: true })).toBeVisible()

  await page.getByRole("link", { name: "Re-enroll" }).click()
  await expect(page.getByText("You dropped this course. Your progress is kept.")).toBeVisible()
  const axe = await new AxeBuilder({ page }).analyze()
  expect(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([])
  await page.getByRole("button", { name: "Re-enroll" }).click()
  await expect(page.getByText("Enrolled", { exact: true })).toBeVisible()
})

test("a server that cannot be reached is named, with a retry that works", async ({ page }) => {
  let down = true
  await page.route("**/api/v1/courses?**", (route) => (down ? route.abort("connectionrefused") : route.continue()))
  await page.goto("/")
  await expect(page.getByRole("alert")).toContainText("The server cannot be reached")
  const axe = await new AxeBuilder({ page }).analyze()
  expect(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([])
  down = false
  await page.getByRole("button", { name: "Try again" }).click()
  await expect(page.getByRole("alert")).toHaveCount(0)
  await expect(page.getByRole("article").first()).toBeVisible()
})

test("the catalogue's filters live in the URL: shareable, and Back undoes them", async ({ page }) => {
  const api = await adminApi()
  const tag = `tag${uid()}`
  const first = await createCourse(api, { name: `Alpha ${tag}`, tags: [tag] })
  await createCourse(api, { name: `Beta ${tag}`, tags: [tag] })
  await api.dispose()

  await page.goto(`/?q=${encodeURIComponent(`Alpha ${tag}`)}`)
  await expect(page.getByLabel("Search courses")).toHaveValue(`Alpha ${tag}`)
  await expect(page.getByRole("article")).toHaveCount(1)
  await expect(page.getByRole("link", { name: first.name })).toBeVisible()

  await page.getByLabel("Search courses").fill(tag)
  await expect(page).toHaveURL(new RegExp(`q=${tag}`))
  await expect(page.getByRole("article")).toHaveCount(2)
  await page.getByLabel("Sort by").selectOption("name")
  await expect(page).toHaveURL(/sort=name/)
  await expect(page.getByRole("article").first()).toContainText(`Alpha ${tag}`)
  await page.goBack()
  await expect(page).not.toHaveURL(/sort=name/)
  await expect(page.getByLabel("Sort by")).toHaveValue("newest")
})
