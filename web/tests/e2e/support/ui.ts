/** Steps a person takes, by role and visible text. */
import { expect } from "@playwright/test"
import type { Page } from "@playwright/test"
import path from "node:path"
import { fileURLToPath } from "node:url"

export const SHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../docs/web")

export interface Words {
  signIn: string
  signOut: string
  createAccount: string
  username: string
  password: string
}

export async function signInAs(page: Page, user: { username: string; password: string }, w: Words): Promise<void> {
  await page.getByLabel(w.username).fill(user.username)
  await page.getByLabel(w.password, { exact: true }).fill(user.password)
  await page.getByRole("button", { name: w.signIn, exact: true }).click()
}

export async function shot(page: Page, name: string): Promise<void> {
  if (process.env.E2E_SCREENSHOTS === "0") return
  await page.waitForLoadState("networkidle")
  // Toasts come and go; the page under them is what the picture is for.
  await page.addStyleTag({ content: ".mantine-Notifications-root { display: none !important; }" })
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })
}

/** Press Tab until the element has focus (keyboard-only use), failing after `max` presses. */
export async function tabTo(page: Page, locator: ReturnType<Page["getByRole"]>, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await locator.evaluate((el) => el === document.activeElement).catch(() => false)) return
    await page.keyboard.press("Tab")
  }
  await expect(locator).toBeFocused()
}
