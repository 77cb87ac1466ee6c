/** Catalogue search pieces: highlights reach the page as <mark> only; facets with counts; type-ahead. */
import { MantineProvider } from "@mantine/core"
import { QueryClient, QueryClientProvider } from "@tanstack/react-query"
import { render, screen, waitFor } from "@testing-library/react"
import userEvent from "@testing-library/user-event"
import { useState, type ReactNode } from "react"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { setupClient } from "@/api/setup"
import { client } from "@/client/client.gen"
import { Highlighted } from "@/components/Highlighted"
import { SearchBox } from "@/components/SearchBox"
import { TagFacets } from "@/components/TagFacets"
import i18n from "@/i18n"
import { sanitizeHighlight } from "@/lib/highlight"
import { fakeServer, json } from "./fakeServer"

const wrap = (ui: ReactNode) => {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  return render(
    <QueryClientProvider client={queryClient}>
      <MantineProvider env="test">{ui}</MantineProvider>
    </QueryClientProvider>,
  )
}

beforeEach(() => {
  // jsdom has no layout; Mantine scrolls the highlighted suggestion into view.
  Element.prototype.scrollIntoView ??= () => {}
  setupClient()
  client.setConfig({ baseUrl: "http://localhost" })
})
afterEach(() => vi.unstubAllGlobals())

describe("sanitizeHighlight", () => {
  it("keeps <mark> and the escaped text", () => {
    expect(sanitizeHighlight("Intro to <mark>Python</mark> &lt;b&gt;")).toBe("Intro to <mark>Python</mark> &lt;b&gt;")
  })
  it("drops every other tag and every attribute, keeping only text", () => {
    const out = sanitizeHighlight(
      '<mark onclick="alert(1)" class="x">Py</mark><script>alert(2)</script><img src=x onerror="alert(3)"><a href="javascript:alert(4)">link</a><b>bold</b>',
    )
    expect(out).toBe("<mark>Py</mark>linkbold")
  })
})

describe("Highlighted", () => {
  it("renders the marks as elements, and plain text as text (never as HTML)", () => {
    const { container } = render(
      <>
        <p data-testid="h">
          <Highlighted html={"<mark>Pyth</mark>on <img src=x onerror=alert(1)>"} text="unused" />
        </p>
        <p data-testid="t">
          <Highlighted html={null} text={"<mark>raw</mark>"} />
        </p>
      </>,
    )
    expect(screen.getByTestId("h").querySelector("mark")).toHaveTextContent("Pyth")
    expect(container.querySelector("img")).toBeNull()
    expect(screen.getByTestId("t").querySelector("mark")).toBeNull()
    expect(screen.getByTestId("t")).toHaveTextContent("<mark>raw</mark>")
  })
})

describe("TagFacets", () => {
  it("lists the facets with their counts in the user's language and filters by one", async () => {
    await i18n.changeLanguage("en")
    const onChange = vi.fn()
    wrap(<TagFacets facets={[{ tag: "python", count: 3 }, { tag: "data", count: 1 }]} fallback={["other"]} onChange={onChange} />)
    const select = screen.getByRole("combobox", { name: "Tag" })
    expect(screen.getByRole("option", { name: "python (3)" })).toBeInTheDocument()
    expect(screen.queryByRole("option", { name: "other" })).toBeNull()
    await userEvent.selectOptions(select, "data")
    expect(onChange).toHaveBeenCalledWith("data")
  })
  it("falls back to plain tags without facets, keeps the chosen tag, and speaks Chinese", async () => {
    await i18n.changeLanguage("zh-CN")
    wrap(<TagFacets facets={[{ tag: "数据", count: 2 }]} value="python" onChange={() => {}} />)
    expect(screen.getByRole("combobox", { name: "标签" })).toHaveValue("python")
    expect(screen.getByRole("option", { name: "数据（2）" })).toBeInTheDocument()
    expect(screen.getByRole("option", { name: "全部标签" })).toBeInTheDocument()
    await i18n.changeLanguage("en")
  })
})

function Box({ onSearch }: { onSearch: (q: string) => void }) {
  const [text, setText] = useState("")
  return <SearchBox value={text} onChange={setText} onSearch={onSearch} />
}

describe("SearchBox", () => {
  it("asks the API for suggestions (typos included), offers them by keyboard, and searches the one picked", async () => {
    await i18n.changeLanguage("en")
    const server = fakeServer({
      "GET /api/v1/courses/suggest": (req) =>
        json({ items: new URL(req.url).searchParams.get("q") === "pyhton" ? ["Python basics", "Python for data"] : [] }),
    })
    const onSearch = vi.fn()
    wrap(<Box onSearch={onSearch} />)
    const input = screen.getByRole("combobox", { name: "Search courses" })
    expect(input).toHaveAttribute("aria-expanded", "false")
    await userEvent.type(input, "pyhton")
    await waitFor(() => expect(server.calls.length).toBeGreaterThan(0))
    expect(await screen.findByRole("option", { name: "Python for data" })).toBeInTheDocument()
    expect(input).toHaveAttribute("aria-expanded", "true")
    await waitFor(() => expect(server.calls.filter((c) => c.path === "/api/v1/courses/suggest").length).toBeGreaterThan(0))
    // Debounced: not one request per keystroke.
    expect(server.calls.length).toBeLessThan(6)
    await userEvent.keyboard("{ArrowDown}{ArrowDown}{Enter}")
    await waitFor(() => expect(onSearch).toHaveBeenCalledWith("Python for data"))
    expect(onSearch).toHaveBeenCalledTimes(1)
  })

  it("Enter without a chosen suggestion searches what was typed", async () => {
    await i18n.changeLanguage("zh-CN")
    fakeServer({ "GET /api/v1/courses/suggest": () => json({ items: [] }) })
    const onSearch = vi.fn()
    wrap(<Box onSearch={onSearch} />)
    await userEvent.type(screen.getByRole("combobox", { name: "搜索课程" }), "数据{Enter}")
    await waitFor(() => expect(onSearch).toHaveBeenCalledWith("数据"))
    await i18n.changeLanguage("en")
  })
})
