/** The dashboard's system health: a status region (announced when it changes), never an alert. */
import { MantineProvider } from "@mantine/core"
import { QueryClient, QueryClientProvider } from "@tanstack/react-query"
import { render, screen } from "@testing-library/react"
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest"
import "@/admin/i18n"
import { Health } from "@/admin/Dashboard"
import i18n from "@/i18n"
import { json } from "../fakeServer"

beforeAll(async () => {
  await i18n.changeLanguage("en")
})
afterEach(() => vi.unstubAllGlobals())

describe("Health", () => {
  it("is a status region, not an alert, whatever the status", async () => {
    // (the panel fetches a relative URL, which fakeServer's Request cannot parse outside a browser)
    const fetchMock = vi.fn(async () => json({ status: "degraded", checks: { mongodb: "ok", redis: "down" } }))
    vi.stubGlobal("fetch", fetchMock)
    render(
      <MantineProvider>
        <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
          <Health />
        </QueryClientProvider>
      </MantineProvider>,
    )
    const region = await screen.findByRole("status")
    expect(region).toHaveTextContent(/redis/)
    expect(screen.queryByRole("alert")).toBeNull()
    expect(fetchMock).toHaveBeenCalledWith("/api/v1/readyz", expect.anything())
  })
})
