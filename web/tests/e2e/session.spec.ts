/**
 * The browser session: it survives a reload and a new tab (refresh cookie), a rejected access token is
 * refreshed silently and the call retried, a signed-out visit to a private page signs in and comes back,
 * and 429 on sign-in says when to try again.
 */
import { expect, test } from "@playwright/test"
import { createStudent, uid } from "./support/api"
import { signInAs } from "./support/ui"

const EN = { signIn: "Sign in", signOut: "Sign out", createAccount: "Create account", username: "Username", password: "Password" }

test("the session survives a reload and a new tab", async ({ page, context }) => {
  const student = await createStudent()
  await page.goto("/login")
  await signInAs(page, student, EN)
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible()
  await page.reload()
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible()
  const tab = await context.newPage()
  await tab.goto("/me")
  await expect(tab.getByRole("heading", { level: 1, name: "My courses" })).toBeVisible()
  await expect(tab.getByText("You are not enrolled in any course yet.")).toBeVisible()
  // The refresh token is an HttpOnly cookie: nothing in storage, nothing the page's script can read.
  expect(await tab.evaluate(() => JSON.stringify(localStorage) + document.cookie)).not.toMatch(/eyJ/)
})

test("a rejected access token is refreshed silently and the call retried", async ({ page }) => {
  const student = await createStudent()
  await page.goto("/login")
  await signInAs(page, student, EN)
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible()
  // The next call to the enrollments carries an expired/invalid token: the real server answers 401.
  let rejected = false
  await page.route("**/api/v1/me/enrollments**", async (route) => {
    if (rejected) return route.continue()
    rejected = true
    const headers = { ...route.request().headers(), authorization: "Bearer expired.token.value" }
    await route.continue({ headers })
  })
  const refreshed = page.waitForResponse((r) => r.url().endsWith("/api/v1/auth/session/refresh") && r.status() === 200)
  const first = page.waitForResponse((r) => r.url().includes("/api/v1/me/enrollments") && r.status() === 401)
  await page.getByRole("link", { name: "My courses" }).click()
  await first
  await refreshed
  await expect(page.getByText("You are not enrolled in any course yet.")).toBeVisible()
  await expect(page.getByRole("alert")).toHaveCount(0)
})

test("a private page signs in first and comes back to the same place", async ({ page }) => {
  const student = await createStudent()
  await page.goto("/me/assignments")
  await expect(page).toHaveURL(/\/login\?redirect=/)
  await signInAs(page, student, EN)
  await expect(page).toHaveURL(/\/me\/assignments$/)
  await expect(page.getByRole("heading", { level: 1, name: "Assignments" })).toBeVisible()
})

test("429 on sign-in says when to try again", async ({ page }) => {
  await page.goto("/login")
  const username = `nobody${uid()}`
  let seen = false
  for (let i = 0; i < 8 && !seen; i++) {
    await page.getByLabel("Username").fill(username)
    await page.getByLabel("Password", { exact: true }).fill(`wrong-password-${i}`)
    const reply = page.waitForResponse((r) => r.url().endsWith("/api/v1/auth/session"))
    await page.getByRole("button", { name: "Sign in", exact: true }).click()
    seen = (await reply).status() === 429
  }
  expect(seen).toBe(true)
  await expect(page.getByRole("alert")).toHaveText(/Too many attempts\. Try again at \d{1,2}:\d{2}/)
})
