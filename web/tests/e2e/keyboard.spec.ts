/** The main journey with the keyboard alone: search, open a course, sign in, enroll, learn, mark done. */
import { expect, test } from "@playwright/test"
import { adminApi, createCourse, createStudent, uid } from "./support/api"
import { tabTo } from "./support/ui"

test("keyboard only: find a course, sign in, enroll and mark a section done", async ({ page }) => {
  const api = await adminApi()
  const name = `Keyboard ${uid()}`
  await createCourse(api, { name, sections: 2 })
  await api.dispose()
  const student = await createStudent()

  await page.goto("/")
  await expect(page.getByRole("heading", { level: 1, name: "Courses" })).toBeVisible()
  // The skip link comes first and moves to the content.
  await page.keyboard.press("Tab")
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused()

  const search = page.getByLabel("Search courses")
  await tabTo(page, search)
  await page.keyboard.type(name)
  await page.keyboard.press("Enter")
  const courseLink = page.getByRole("link", { name, exact: true })
  await expect(courseLink).toBeVisible()
  await tabTo(page, courseLink)
  await page.keyboard.press("Enter")
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible()

  const enroll = page.getByRole("button", { name: "Enroll", exact: true })
  await tabTo(page, enroll)
  await page.keyboard.press("Enter")
  await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible()
  await tabTo(page, page.getByLabel("Username"))
  await page.keyboard.type(student.username)
  await page.keyboard.press("Tab")
  await expect(page.getByLabel("Password", { exact: true })).toBeFocused()
  await page.keyboard.type(student.password)
  await page.keyboard.press("Enter")

  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible()
  await tabTo(page, page.getByRole("button", { name: "Enroll", exact: true }))
  await page.keyboard.press("Enter")
  const start = page.getByRole("link", { name: "Start learning" })
  await expect(start).toBeVisible()
  await tabTo(page, start)
  await page.keyboard.press("Enter")

  const markDone = page.getByRole("button", { name: "Mark as done" })
  await tabTo(page, markDone)
  // Focus is visible: the focused control draws an outline.
  const outline = await markDone.evaluate((el) => getComputedStyle(el).outlineStyle)
  expect(outline).not.toBe("none")
  await page.keyboard.press("Enter")
  await expect(page.getByRole("button", { name: "Mark as not done" })).toBeVisible()
  const next = page.getByRole("link", { name: "Next section" })
  await tabTo(page, next)
  await page.keyboard.press("Enter")
  await expect(page.getByRole("heading", { level: 1, name: `Part 2 of ${name}` })).toBeVisible()
})
