/** Components as a user meets them: the error state (429 time, retry) and the language control. */
import { MantineProvider } from "@mantine/core"
import { render, screen } from "@testing-library/react"
import userEvent from "@testing-library/user-event"
import type { ReactNode } from "react"
import { describe, expect, it, vi } from "vitest"
import { ApiError, NetworkError } from "@/api/problem"
import { ErrorState } from "@/components/ErrorState"
import { LanguageSwitch } from "@/components/LanguageSwitch"
import i18n, { LANGUAGE_STORAGE_KEY } from "@/i18n"

const wrap = (ui: ReactNode) => render(<MantineProvider>{ui}</MantineProvider>)

describe("ErrorState", () => {
  it("shows the problem in the user's words with the server's detail, and retries", async () => {
    await i18n.changeLanguage("en")
    const retry = vi.fn()
    wrap(<ErrorState error={new ApiError(409, { title: "Conflict", detail: "already enrolled" }, null)} onRetry={retry} />)
    expect(screen.getByRole("alert")).toHaveTextContent("This conflicts with the current state.")
    expect(screen.getByRole("alert")).toHaveTextContent("already enrolled")
    await userEvent.click(screen.getByRole("button", { name: "Try again" }))
    expect(retry).toHaveBeenCalledOnce()
  })

  it("says when to try again after a 429, in Chinese too", async () => {
    await i18n.changeLanguage("zh-CN")
    wrap(<ErrorState error={new ApiError(429, { title: "Too Many Requests" }, "60")} />)
    expect(screen.getByRole("alert")).toHaveTextContent(/尝试次数过多。请在 .+ 之后再试。/)
  })

  it("says the server cannot be reached when offline", async () => {
    await i18n.changeLanguage("en")
    wrap(<ErrorState error={new NetworkError(new TypeError("Failed to fetch"))} />)
    expect(screen.getByRole("alert")).toHaveTextContent("The server cannot be reached")
  })
})

describe("LanguageSwitch", () => {
  it("is named in both languages, switches, and remembers only the language", async () => {
    await i18n.changeLanguage("en")
    wrap(<LanguageSwitch />)
    const select = screen.getByRole("combobox", { name: /Language/ })
    await userEvent.selectOptions(select, "zh-CN")
    expect(i18n.language).toBe("zh-CN")
    expect(document.documentElement.lang).toBe("zh-CN")
    expect(screen.getByRole("combobox", { name: /语言/ })).toBeInTheDocument()
    expect(localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBe("zh-CN")
    expect(Object.keys(localStorage)).toEqual([LANGUAGE_STORAGE_KEY])
  })
})
