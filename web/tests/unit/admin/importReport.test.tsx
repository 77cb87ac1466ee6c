/** The import report table: filter by result and text, the counts, and the CSV download of what is shown. */
import { MantineProvider } from "@mantine/core"
import { render, screen } from "@testing-library/react"
import userEvent from "@testing-library/user-event"
import { beforeAll, describe, expect, it, vi } from "vitest"
import "@/admin/i18n"
import { ImportReportTable } from "@/admin/ImportReportTable"
import type { ImportReport, ItemResult } from "@/admin/importReport"
import { csvCell, filterItems, normaliseReport, reportCsv } from "@/admin/importReport"
import i18n from "@/i18n"

function report(n: number): ImportReport {
  return normaliseReport({
    dry_run: true,
    mode: "upsert",
    atomic: false,
    created: n - Math.floor(n / 10),
    failed: Math.floor(n / 10),
    items: Array.from({ length: n }, (_, i) =>
      i % 10 === 9
        ? { index: i, line: i + 1, slug: `bad-${i}`, status: "failed" as const, errors: [{ loc: ["sections", 0, "title"], msg: "Field required" }] }
        : { index: i, line: i + 1, slug: `course-${i}`, status: "created" as const },
    ),
  })
}

beforeAll(async () => {
  await i18n.changeLanguage("en")
})

describe("report filtering (pure)", () => {
  const r = report(100)
  it("filters by status and by slug or message text", () => {
    expect(filterItems(r.items, "failed", "")).toHaveLength(10)
    expect(filterItems(r.items, "all", "course-1")).toHaveLength(10)
    expect(filterItems(r.items, "all", "sections.0.title")).toHaveLength(10)
    expect(filterItems(r.items, "created", "bad")).toHaveLength(0)
  })
  it("writes one CSV row per error with line and location, and defuses formulas", () => {
    const csv = reportCsv(filterItems(r.items, "failed", ""))
    const lines = csv.trim().split("\r\n")
    expect(lines[0]).toBe("index,line,slug,status,location,message")
    expect(lines[1]).toBe("10,10,bad-9,failed,sections.0.title,Field required")
    expect(lines).toHaveLength(11)
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`)
  })
})

describe("ImportReportTable", () => {
  it("opens on the failures, filters, and downloads what is shown", async () => {
    const created: Blob[] = []
    URL.createObjectURL = vi.fn((b: Blob) => {
      created.push(b)
      return "blob:x"
    })
    URL.revokeObjectURL = vi.fn()
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {})
    render(
      <MantineProvider>
        <ImportReportTable report={report(10_000)} />
      </MantineProvider>,
    )
    expect(screen.getByText("1,000 of 10,000 items")).toBeInTheDocument()
    await userEvent.click(screen.getByRole("radio", { name: /All 10,000/ }))
    expect(screen.getByText("10,000 of 10,000 items")).toBeInTheDocument()
    await userEvent.type(screen.getByLabelText("Filter by slug or message"), "bad-99")
    expect(await screen.findByText(/^\d+ of 10,000 items$/)).toHaveTextContent("12 of 10,000 items")
    await userEvent.click(screen.getByRole("button", { name: "Download report (CSV)" }))
    expect(click).toHaveBeenCalledOnce()
    const text = await new Promise<string>((resolve) => {
      const reader = new FileReader()
      reader.onload = () => resolve(String(reader.result))
      reader.readAsText(created[0]!)
    })
    expect(text.trim().split("\r\n")).toHaveLength(13)
    expect(text).toContain("bad-9999,failed,sections.0.title,Field required")
  })
})

describe("reading a file to import", () => {
  it("says a whole-file problem without an empty location, and a field's with it", async () => {
    const { errorText } = await import("@/admin/importReport")
    const item = { index: 1, line: 2, slug: null, status: "failed" as const, errors: [{ loc: [], msg: "invalid JSON on line 2" }, { loc: ["sections", 0, "title"], msg: "Field required" }] }
    expect(errorText(item)).toBe("invalid JSON on line 2; sections.0.title: Field required")
  })

  it("words typed item errors in the user's language, with the app's shared field wording", async () => {
    const { errorText, reportCsv } = await import("@/admin/importReport")
    const item: ItemResult = {
      index: 0,
      line: 1,
      slug: "Bad_Slug",
      status: "failed" as const,
      errors: [
        { loc: ["slug"], msg: "should be lower-case letters a-z", type: "string_pattern_mismatch", ctx: { pattern: "^[a-z0-9]+(?:-[a-z0-9]+)*$" } },
        { loc: ["name"], msg: "String should have at most 200 characters", type: "string_too_long", ctx: { max_length: 200 } },
        { loc: [], msg: "invalid JSON on line 3, column 1: unexpected end of data", type: "invalid_json", ctx: { line: 3, column: 1 } },
        { loc: ["slug"], msg: "duplicate slug in this file (first at item 0, line 1)", type: "duplicate_slug", ctx: { first_index: 0, first_line: 1 } },
      ],
    }
    try {
      await i18n.changeLanguage("zh-CN")
      const zh = errorText(item)
      expect(zh).not.toMatch(/String should|invalid JSON|pattern|duplicate slug/)
      expect(zh).toContain("slug：只能使用小写字母")
      expect(zh).toContain("200")
      expect(zh).toContain("第 3 行不是有效的 JSON")
      expect(zh).not.toMatch(/^[:：]/)
      expect(zh).toContain("第 1 项，第 1 行")
      expect(reportCsv([item])).toContain("第 3 行不是有效的 JSON")
      await i18n.changeLanguage("en")
      const en = errorText(item)
      expect(en).toMatch(/^slug: /)
      expect(en).toContain("Line 3: not valid JSON (column 1).")
      expect(en).not.toContain("A-Z")
    } finally {
      await i18n.changeLanguage("en")
    }
  })

  it("keeps a file that is not all UTF-8 as its own bytes, and shows its text", async () => {
    const { readImportFile } = await import("@/admin/transfer")
    // (jsdom's Blob has no arrayBuffer(): a file as the browser gives it, reduced to what is read)
    const file = (bytes: Uint8Array) => ({ arrayBuffer: async () => bytes.buffer }) as unknown as Blob
    const good = file(new TextEncoder().encode('{"name": "Café"}\n'))
    expect(await readImportFile(good)).toEqual({ text: '{"name": "Café"}\n', utf8: true })
    const latin1 = file(new Uint8Array([0x7b, 0x22, 0x43, 0x61, 0x66, 0xe9, 0x22, 0x7d])) // {"Caf\xe9"}
    expect(await readImportFile(latin1)).toEqual({ text: '{"Caf\uFFFD"}', utf8: false })
  })
})
